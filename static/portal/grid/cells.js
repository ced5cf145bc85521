// How the grid shows and edits one cell. Every cell holds the stored values the server sent (a
// list of strings); what people read is worked out here from the column's kind and choices.

export const STATE_LABELS = {
  ready: "Ready", errors: "Errors", submitting: "Sending", submitted: "Submitted", landed: "Landed", failed: "Failed",
};

export const fieldOf = (columnId) => "c_" + columnId;
export const columnIdOf = (field) => (field && field.startsWith("c_") ? field.slice(2) : field);

export function indexChoices(column) {
  column.byId = new Map((column.choices || []).map((choice) => [choice.id, choice]));
  return column;
}

export function displayValues(column, values) {
  if (!values || !values.length) return "";
  if (column.kind === "date") return values.map((v) => String(v).slice(0, 10)).join("; ");
  if (column.byId && column.byId.size) return values.map((v) => (column.byId.get(v) || { text: v }).text).join("; ");
  return values.join("; ");
}

function text(tag, className, content) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  element.textContent = content;
  return element;
}

// The messages on a cell: the server's problems and flags for its field, and what happened to the
// person's last change of it (not saved, changed by someone else).
export function cellNotes(row, columnId, mark) {
  const notes = [];
  (row.problems || []).forEach((p) => { if (p.field === columnId) notes.push({ level: "error", message: p.message }); });
  (row.flags || []).forEach((f) => { if (f.field === columnId) notes.push({ level: f.level || "warning", message: f.message }); });
  if (mark && mark.message) notes.unshift({ level: mark.status === "conflict" ? "conflict" : "error", message: mark.message });
  return notes;
}

export function formatCell(cell, column, mark) {
  const row = cell.getRow().getData();
  const element = cell.getElement();
  // Tabulator makes editable cells focusable; the rows take the keyboard as one stop instead (a
  // focusable cell would also take the focus from an editor opened by typing right after a click).
  element.removeAttribute("tabindex");
  const notes = cellNotes(row, column.id, mark);
  element.classList.toggle("has-problem", notes.some((n) => n.level === "error"));
  element.classList.toggle("has-flag", notes.some((n) => n.level === "warning"));
  element.classList.toggle("has-note", notes.some((n) => n.level === "info"));
  element.classList.toggle("has-conflict", notes.some((n) => n.level === "conflict"));
  element.classList.toggle("is-pending", Boolean(mark && mark.status === "pending"));
  element.classList.toggle("is-invalid", Boolean(mark && mark.status === "invalid"));
  if (notes.length) {
    element.title = notes.map((n) => n.message).join("\n");
    element.setAttribute("aria-invalid", "true");
  } else {
    element.removeAttribute("title");
    element.removeAttribute("aria-invalid");
  }
  const values = (row.cells || {})[column.id] || [];
  const wrap = document.createElement("span");
  wrap.className = "cell-text";
  if (mark && mark.status === "invalid") {
    wrap.textContent = mark.text;
  } else if ((column.kind === "multi" || column.kind === "people") && values.length) {
    values.forEach((v) => wrap.appendChild(text("span", "chip", (column.byId.get(v) || { text: v }).text)));
  } else if (column.kind === "image") {
    if (values.length) {
      const image = document.createElement("img");
      image.src = values[0];
      image.alt = column.label + " of " + row.file;
      image.loading = "lazy";
      image.className = "cell-image";
      wrap.appendChild(image);
    } else if (notes.length) {
      wrap.textContent = notes[0].message; // e.g. "Reading…"
    }
  } else {
    wrap.textContent = mark && mark.status === "pending" && mark.text != null ? mark.text : displayValues(column, values);
  }
  const source = (row.proposed || {})[column.id];
  if (source && !mark) {
    const dot = text("span", "proposed", " (proposed from the " + source + ")");
    dot.title = "Proposed from the " + source;
    wrap.appendChild(dot);
  }
  return wrap;
}

export function formatState(cell) {
  const state = cell.getRow().getData().state;
  return text("span", "badge state-" + state, STATE_LABELS[state] || state);
}

export function formatFile(cell) {
  const row = cell.getRow().getData();
  const wrap = text("span", "file-name", row.file);
  cell.getElement().title = row.file;
  return wrap;
}

// The editor of every editable cell: a text input (with completion on codes, labels and names for
// list and person fields), or a date picker when a date cell is opened rather than typed into.
// Enter saves and moves down, Tab saves and moves right, Escape cancels.
// The edit is handed to `onCommit` (when the text changed) and Tabulator's own editing is ended
// without a value: the grid's rows are changed by the server's answers only, so Tabulator's copy of
// a cell's value is never relied on.
export function makeEditor({ columnOf, takeTypedStart, onCommit, onMove }) {
  return function editor(cell, onRendered, success, cancel) {
    const column = columnOf(cell);
    const typed = takeTypedStart();
    const input = document.createElement("input");
    input.className = "grid-editor";
    input.setAttribute("aria-label", column.label + " of " + cell.getRow().getData().file);
    const current = cell.getRow().getData()[cell.getField()] || "";
    if (column.kind === "date" && typed === null) {
      input.type = "date";
      input.value = /^\d{4}-\d{2}-\d{2}$/.test(current) ? current : "";
    } else {
      input.type = "text";
      input.value = typed !== null ? typed : current;
    }
    if (column.choices && column.choices.length) {
      const list = document.getElementById("grid-choices-" + column.id);
      if (list) {
        input.setAttribute("list", list.id);
        if (column.kind === "multi" || column.kind === "people") input.addEventListener("input", () => offerNextValue(list, column, input.value));
      }
    }
    let finished = false;
    // move: "down", "right", ... after Enter or Tab; null after Escape; undefined when the input
    // lost the focus to something else (the keyboard stays there).
    const commit = (move) => {
      if (finished) return;
      finished = true;
      const text = input.value;
      cancel();
      if (text !== current) onCommit(cell, text);
      if (move !== undefined) onMove(move);
    };
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") { e.preventDefault(); commit(e.shiftKey ? "up" : "down"); }
      else if (e.key === "Tab") { e.preventDefault(); commit(e.shiftKey ? "left" : "right"); }
      else if (e.key === "Escape") { e.preventDefault(); finished = true; cancel(); onMove(null); }
      e.stopPropagation();
    });
    const openedAt = performance.now();
    input.addEventListener("blur", (event) => {
      // Tabulator may take the focus back to the grid right after opening an editor (its click
      // handling): keep typing in the editor then, instead of ending the edit mid-word.
      const toGrid = !event.relatedTarget || event.relatedTarget.closest("[data-grid-host]");
      if (!finished && toGrid && performance.now() - openedAt < 400) {
        setTimeout(() => { if (!finished) input.focus({ preventScroll: true }); });
        return;
      }
      commit(undefined);
    });
    onRendered(() => {
      input.focus({ preventScroll: true });
      if (input.type === "text") {
        if (typed !== null) input.setSelectionRange(input.value.length, input.value.length);
        else input.select();
      }
    });
    return input;
  };
}

// Completion for the next value of a multi-value field: every choice after what is typed so far.
function offerNextValue(list, column, typed) {
  const cut = typed.lastIndexOf(";");
  const before = cut >= 0 ? typed.slice(0, cut + 1) + " " : "";
  list.replaceChildren(
    ...column.choices.filter((c) => c.active !== false).map((c) => {
      const option = document.createElement("option");
      option.value = before + c.text;
      return option;
    }),
  );
}
