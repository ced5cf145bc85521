// Which columns a person sees, in which order and how wide: chosen in the "Columns" menu or by
// dragging headers, and kept on the server for the person and the project.

import { columnIdOf, fieldOf } from "./cells.js";

const SAVE_AFTER_MS = 600;

export function orderedColumns(columns, layout) {
  // The saved order first (columns still offered), then columns the layout does not know yet.
  const byId = new Map(columns.map((c) => [c.id, c]));
  const saved = (layout || []).filter((item) => byId.has(item.id));
  const seen = new Set(saved.map((item) => item.id));
  const result = saved.map((item) => ({ ...byId.get(item.id), shown: item.shown !== false, width: item.width || byId.get(item.id).width }));
  columns.forEach((c) => { if (!seen.has(c.id)) result.push({ ...c, shown: c.shown !== false }); });
  return result;
}

export class LayoutKeeper {
  constructor({ table, url, csrf, chooser, columnsById, onStatus }) {
    this.table = table;
    this.url = url;
    this.csrf = csrf;
    this.chooser = chooser;
    this.columnsById = columnsById;
    this.onStatus = onStatus;
    this.timer = null;
    ["columnMoved", "columnResized", "columnVisibilityChanged"].forEach((event) => table.on(event, () => this.changed()));
  }

  current() {
    return this.table.getColumns()
      .map((column) => ({ column, id: columnIdOf(column.getField()) }))
      .filter(({ id }) => this.columnsById.has(id))
      .map(({ column, id }) => ({ id, shown: column.isVisible(), width: Math.round(column.getWidth()) }));
  }

  changed() {
    this.renderChooser();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.save(), SAVE_AFTER_MS);
  }

  save() {
    return fetch(this.url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": this.csrf },
      credentials: "same-origin",
      body: JSON.stringify({ columns: this.current() }),
    }).then((response) => { if (!response.ok) this.onStatus("Your column choice could not be kept."); })
      .catch(() => this.onStatus("Your column choice could not be kept: the portal could not be reached."));
  }

  renderChooser() {
    if (!this.chooser) return;
    const list = this.chooser.querySelector("[data-column-list]");
    const items = this.current();
    // Re-drawing the list must not lose the keyboard's place in it.
    const focused = this.chooser.open && list.contains(document.activeElement) ? document.activeElement : null;
    const focusKey = focused ? focused.dataset.columnId || focused.getAttribute("aria-label") : null;
    list.replaceChildren(...items.map((item, index) => {
      const column = this.columnsById.get(item.id);
      const li = document.createElement("li");
      const label = document.createElement("label");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.checked = item.shown;
      box.dataset.columnId = item.id;
      label.append(box, " ", column.label);
      const up = this.moveButton("↑", "Move " + column.label + " left", item.id, -1, index === 0);
      const down = this.moveButton("↓", "Move " + column.label + " right", item.id, 1, index === items.length - 1);
      li.append(label, up, down);
      box.addEventListener("change", () => {
        if (box.checked) this.table.showColumn(fieldOf(item.id));
        else this.table.hideColumn(fieldOf(item.id));
      });
      return li;
    }));
    if (focusKey) {
      const again = Array.from(list.querySelectorAll("input, button")).find((e) => (e.dataset.columnId || e.getAttribute("aria-label")) === focusKey);
      if (again && !again.disabled) again.focus();
    }
  }

  moveButton(symbol, label, id, step, disabled) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button tiny";
    button.textContent = symbol;
    button.setAttribute("aria-label", label);
    button.disabled = disabled;
    button.addEventListener("click", () => {
      const items = this.current();
      const index = items.findIndex((item) => item.id === id);
      const other = items[index + step];
      if (!other) return;
      this.table.moveColumn(fieldOf(id), fieldOf(other.id), step > 0);
      this.changed();
    });
    return button;
  }
}
