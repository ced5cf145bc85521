// Issue control partials and pages: confirm what cannot be undone, and reload while a compare
// runs in the background.
(function () {
  document.querySelectorAll("form[data-ic-confirm]").forEach((form) => form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.icConfirm)) event.preventDefault();
  }));
  const compare = document.querySelector("[data-compare]");
  const progress = document.querySelector("[data-compare-progress]");
  if (compare && Number(compare.dataset.waiting) > 0 && progress && !progress.hasAttribute("data-stalled")) {
    window.setTimeout(() => window.location.reload(), 3000);
  }
})();
