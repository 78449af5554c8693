// Passkeys: once django-otp-webauthn's script has added one (its "register_complete" event), go on to
// the page that lists it, where the server's message says so.
document.addEventListener("otp_webauthn.register_complete", () => {
  const page = document.querySelector("[data-passkey-done]");
  window.location.assign(page ? page.dataset.passkeyDone : "/");
});
