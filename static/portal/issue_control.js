// Issue control pages: confirm removals, and reload while a compare runs in the background.
(function () {
  document.querySelectorAll("[data-confirm-form]").forEach((form) => form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirmForm)) event.preventDefault();
  }));
  const compare = document.querySelector("[data-compare]");
  if (compare && Number(compare.dataset.waiting) > 0 && !document.querySelector("[data-compare-progress]")?.textContent.includes("interrupted")) {
    window.setTimeout(() => window.location.reload(), 3000);
  }
})();
