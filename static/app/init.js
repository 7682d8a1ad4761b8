// Marks the page as able to run GOV.UK Frontend, then starts its components.
// A static file rather than an inline script, so a strict Content Security Policy allows it.
document.body.classList.add("js-enabled");
if ("noModule" in HTMLScriptElement.prototype) {
  document.body.classList.add("govuk-frontend-supported");
}
window.GOVUKFrontend.initAll();
