// Marks the page as able to run GOV.UK Frontend, then starts its components.
// A static file rather than an inline script, so a strict Content Security Policy allows it.
document.body.classList.add("js-enabled");
if ("noModule" in HTMLScriptElement.prototype) {
  document.body.classList.add("govuk-frontend-supported");
}
window.GOVUKFrontend.initAll();

// The skip link moves focus (GOV.UK Frontend's SkipLink does that) without putting
// #main-content in the address: a form sent from the page would carry the fragment to the next
// page, where the browser's scroll to it takes focus away from the error summary.
document.querySelectorAll(".govuk-skip-link").forEach(function (link) {
  link.addEventListener("click", function (event) {
    if (document.getElementById(link.hash.slice(1))) {
      event.preventDefault();
    }
  });
});
