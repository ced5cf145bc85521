// The batch page: row selection and the bulk bar (adding files is upload.js).
(function () {
  // --- selection and the bulk bar ---------------------------------------------------------
  const form = document.querySelector("[data-grid-form]");
  if (form) {
    const boxes = () => Array.from(form.querySelectorAll('input[name="documents"]'));
    const counter = form.querySelector("[data-selected-count]");
    const refresh = () => { if (counter) counter.textContent = boxes().filter((b) => b.checked).length + " selected"; };
    const all = form.querySelector("[data-select-all]");
    if (all) all.addEventListener("change", () => { boxes().forEach((b) => { b.checked = all.checked; }); refresh(); });
    form.addEventListener("change", refresh);
    const select = form.querySelector("[data-field-select]");
    const value = form.querySelector("[data-value-input]");
    if (select && value) {
      select.addEventListener("change", () => {
        const option = select.selectedOptions[0];
        const kind = option ? option.dataset.kind : "";
        value.type = kind === "date" ? "date" : kind === "number" ? "number" : "text";
        if (option && option.dataset.list && document.getElementById(option.dataset.list)) value.setAttribute("list", option.dataset.list);
        else value.removeAttribute("list");
        value.placeholder = {
          multi: "Codes separated by ;",
          person: "Type a name or e-mail",
          people: "Names or e-mails separated by ;",
          date: "",
        }[kind] || "Value (code or label)";
      });
    }
    form.addEventListener("submit", (e) => {
      const button = e.submitter;
      if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) e.preventDefault();
    });
  }
  document.querySelectorAll("[data-confirm-form]").forEach((f) => f.addEventListener("submit", (e) => {
    if (!window.confirm(f.dataset.confirmForm)) e.preventDefault();
  }));
})();
