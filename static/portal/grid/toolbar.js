// The grid's toolbar and the page's forms that act on the grid's selection.

export function bindToolbar(root, grid) {
  // grid: { undo, redo, fillDown, clear, retry, filter, applyTemplate(template), selectedIds(),
  //         versionOf(id), csrf(), busy() }
  const $ = (selector) => root.querySelector(selector);
  $("[data-undo]")?.addEventListener("click", grid.undo);
  $("[data-redo]")?.addEventListener("click", grid.redo);
  $("[data-fill-down]")?.addEventListener("click", grid.fillDown);
  $("[data-clear]")?.addEventListener("click", grid.clear);
  $("[data-retry]")?.addEventListener("click", grid.retry);
  $("[data-errors-only]")?.addEventListener("change", grid.filter);
  let searchTimer = null;
  $("[data-grid-search]")?.addEventListener("input", () => { clearTimeout(searchTimer); searchTimer = setTimeout(grid.filter, 150); });
  $("[data-apply-template]")?.addEventListener("click", () => {
    const chosen = $("[data-template]")?.value;
    grid.applyTemplate((root.templates || []).find((t) => String(t.id) === chosen));
  });
  $("[data-remove]")?.addEventListener("click", () => {
    const ids = grid.selectedIds();
    if (!ids.length || !window.confirm("Remove the " + ids.length + " selected document(s) from the batch?")) return;
    const form = document.createElement("form");
    form.method = "post";
    form.action = root.dataset.bulkUrl;
    const add = (name, value) => { const input = document.createElement("input"); input.type = "hidden"; input.name = name; input.value = value; form.appendChild(input); };
    add("csrfmiddlewaretoken", grid.csrf());
    add("action", "remove");
    ids.forEach((id) => add("documents", id));
    document.body.appendChild(form);
    form.submit();
  });
  // Accepting title-block values is a form of the page: it takes the rows selected in the grid.
  $("[data-grid-accept]")?.addEventListener("submit", (event) => {
    const form = event.currentTarget;
    const button = event.submitter;
    if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) { event.preventDefault(); return; }
    form.querySelectorAll("[data-selected-row]").forEach((input) => input.remove());
    if (button && button.value === "selected") {
      grid.selectedIds().forEach((id) => {
        [["documents", id], ["version:" + id, grid.versionOf(id) ?? ""]].forEach(([name, value]) => {
          const input = document.createElement("input");
          input.type = "hidden"; input.name = name; input.value = value; input.dataset.selectedRow = "";
          form.appendChild(input);
        });
      });
    }
  });
  window.addEventListener("beforeunload", (event) => { if (grid.busy()) { event.preventDefault(); event.returnValue = ""; } });
}

export function fillTemplates(root, templates, editable) {
  root.templates = templates || [];
  const select = root.querySelector("[data-template]");
  const wrap = root.querySelector("[data-templates]");
  if (!select || !wrap) return;
  wrap.hidden = !root.templates.length || !editable;
  select.replaceChildren(...root.templates.map((t) => { const o = document.createElement("option"); o.value = t.id; o.textContent = t.name; return o; }));
}
