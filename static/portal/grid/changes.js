// Changing cells: every action is one step of the history (a typed value, a paste, a fill down, a
// cleared range, a template) and goes to the saver; the server's answer says what became of each
// cell. Undo and redo send the cells back as they were (or are again).

import { displayValues } from "./cells.js";
import { columnsById, grid, history, isEditableColumn, markKey, marks, root, rowsById } from "./state.js";
import { watchPending } from "./pending.js";
import { announce, redrawRows, showSelection, updateButtons, updateCounts } from "./view.js";

const sameValues = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

// cells: [{id, column, values}] or [{id, column, text}] — values are stored values, text is read by the server.
export function change(cells, label) {
  const step = { label, cells: [] };
  const changes = [];
  const touched = new Set();
  cells.forEach(({ id, column, values, text }) => {
    const row = rowsById.get(id);
    if (!row || !isEditableColumn(column)) return;
    const before = (row.cells || {})[column] || [];
    const previous = marks.get(markKey(id, column));
    if (values && previous?.status !== "invalid" && sameValues(before, values)) return;
    step.cells.push({ id, column, before, after: values ? { values } : { text } });
    changes.push(values ? { document: id, field: column, values } : { document: id, field: column, text });
    if (values) {
      row.cells = { ...row.cells, [column]: values };
      marks.set(markKey(id, column), { status: "pending" });
    } else {
      marks.set(markKey(id, column), { status: "pending", text });
    }
    touched.add(id);
  });
  redrawRows(touched);
  history.push(step);
  updateButtons();
  if (changes.length) grid.saver.add(changes, { now: changes.length > 1 });
  return step;
}

export function onAnswer(answer, sent) {
  const statusOf = new Map((answer.cells || []).map((c) => [markKey(c.document, c.field), c]));
  sent.forEach((change) => {
    const key = markKey(change.document, change.field);
    const current = marks.get(key);
    const result = statusOf.get(key);
    if (!result || !current || current.status !== "pending") return;
    if (result.status === "saved") marks.delete(key);
    else if (result.status === "invalid") marks.set(key, { status: "invalid", text: change.text ?? displayValues(columnsById.get(change.field), change.values), message: result.message });
    else marks.set(key, { status: result.status, message: result.message });
  });
  const touched = new Set(sent.map((change) => change.document));
  (answer.rows || []).forEach((server) => { rowsById.set(server.id, server); touched.add(server.id); });
  redrawRows(touched);
  const invalid = (answer.cells || []).filter((c) => c.status !== "saved").length;
  if (invalid) announce(invalid === 1 ? "1 cell was not saved; it is marked." : invalid + " cells were not saved; they are marked.");
  updateCounts();
  showSelection();
  watchPending();
  root.dispatchEvent(new CustomEvent("grid:answer", { bubbles: true, detail: { saved: answer.saved, cells: (answer.cells || []).length } }));
}

export function onRejected(sent, message, status) {
  // Put the cells back as the server holds them: read the batch's rows again.
  sent.forEach((change) => marks.set(markKey(change.document, change.field), { status: "invalid", message, text: change.text ?? "" }));
  if (status === 409) { grid.editable = false; root.classList.add("is-locked"); }
  grid.reload();
}

export function undo() {
  const step = history.takeUndo();
  if (!step) return;
  apply(step.cells.map((c) => ({ id: c.id, column: c.column, values: c.before })));
  announce("Undone: " + step.label);
}

export function redo() {
  const step = history.takeRedo();
  if (!step) return;
  apply(step.cells.map((c) => ({ id: c.id, column: c.column, ...c.after })));
  announce("Redone: " + step.label);
}

// Undo and redo change cells without making a new step of the history.
function apply(cells) {
  const changes = [];
  const touched = new Set();
  cells.forEach(({ id, column, values, text }) => {
    const row = rowsById.get(id);
    if (!row) return;
    const key = markKey(id, column);
    const wasInvalid = marks.get(key)?.status === "invalid";
    marks.delete(key);
    touched.add(id);
    if (values && wasInvalid) return; // never stored: putting it back is only a matter of showing it
    if (values) {
      row.cells = { ...row.cells, [column]: values };
      marks.set(key, { status: "pending" });
      changes.push({ document: id, field: column, values });
    } else {
      marks.set(key, { status: "pending", text });
      changes.push({ document: id, field: column, text });
    }
  });
  redrawRows(touched);
  updateButtons();
  if (changes.length) grid.saver.add(changes, { now: true });
}
