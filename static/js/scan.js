// Scan fields: a barcode scanner types and presses Enter. Keep the focus in the field after each
// htmx swap so the next scan lands there, and clear it.
(() => {
  const focusScan = () => {
    const input = document.querySelector(".scan-input");
    if (input) {
      input.value = "";
      input.focus();
    }
  };
  document.addEventListener("DOMContentLoaded", focusScan);
  document.body.addEventListener("htmx:afterSwap", focusScan);
})();
