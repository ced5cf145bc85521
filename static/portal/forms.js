// Small form behaviours declared in the markup, so templates carry no inline scripts or handlers.
// Every form works without them: they only save a click or hide what does not apply.
(function () {
  // <select data-submit-on-change>, <input type="file" data-submit-on-change>: submit the form
  // as soon as a choice is made.
  document.addEventListener("change", (event) => {
    const field = event.target.closest("[data-submit-on-change]");
    if (field && field.form) field.form.requestSubmit();
  });

  // <form data-confirm-form="Question?">: ask before the form acts (removing, undoing); on every
  // page, and for forms htmx swaps in later too.
  document.addEventListener("submit", (event) => {
    const form = event.target.closest("[data-confirm-form]");
    if (form && !window.confirm(form.dataset.confirmForm)) event.preventDefault();
  });

  // <fieldset data-shows-when-checked="NAME=VALUE:SELECTOR">: show SELECTOR (inside the fieldset)
  // only while the radio NAME has VALUE checked. Several rules are separated by ";".
  for (const box of document.querySelectorAll("[data-shows-when-checked]")) {
    for (const rule of box.dataset.showsWhenChecked.split(";")) {
      const [condition, selector] = rule.split(":");
      const [name, value] = condition.split("=");
      const target = box.querySelector(selector);
      if (!target) continue;
      const sync = () => {
        const checked = box.querySelector(`input[name="${name}"]:checked`);
        target.hidden = !checked || checked.value !== value;
      };
      box.addEventListener("change", sync);
      sync();
    }
  }
})();
