// Packline's page behaviour: show flash messages as Bootstrap toasts.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("#toasts .toast").forEach((element) => {
    bootstrap.Toast.getOrCreateInstance(element, { delay: 6000 }).show();
  });
});
