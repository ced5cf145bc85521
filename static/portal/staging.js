// The batch page: forms that ask before they act (adding files is upload.js, the grid is grid/).
(function () {
  document.querySelectorAll("[data-confirm-form]").forEach((f) => f.addEventListener("submit", (e) => {
    if (!window.confirm(f.dataset.confirmForm)) e.preventDefault();
  }));
})();
