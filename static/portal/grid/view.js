// What the person sees change: rows drawn again, the counts, the side panel, the save state, the
// undo buttons, and what a screen reader is told.

import { formatCell, formatFile, formatState } from "./cells.js";
import { $, columnsByField, grid, hasMarks, history, markKey, marks, root, rowComponents, rowsById, searchText, toRowData } from "./state.js";

// Show rows whose data changed. Tabulator's own row update measures every row it touches (a forced
// layout each), which makes a paste of 100 rows take seconds; so the row's data is changed in place
// and only the cells on screen are drawn again (writes only). Rows off screen are drawn when they
// next come into view.
export function redrawRows(ids) {
  ids.forEach((id) => {
    const data = rowsById.get(id);
    const row = rowComponents.get(id);
    if (!data || !row) return;
    const live = row.getData();
    if (live !== data) Object.assign(live, data);
    toRowData(live);
    rowsById.set(id, live);
    if (row.getElement().isConnected) row.getCells().forEach(drawCell);
    else row.reformat();
  });
}

function drawCell(cell) {
  const field = cell.getField();
  const element = cell.getElement();
  if (element.classList.contains("tabulator-editing")) return; // an answer must not close an open editor
  if (field === "state") element.replaceChildren(formatState(cell));
  else if (field === "file") element.replaceChildren(formatFile(cell));
  else if (columnsByField.has(field)) {
    const column = columnsByField.get(field);
    element.replaceChildren(formatCell(cell, column, marks.get(markKey(cell.getRow().getData().id, column.id))));
  }
}

export function applyFilters() {
  const onlyErrors = $("[data-errors-only]")?.checked;
  const words = ($("[data-grid-search]")?.value || "").trim().toLowerCase().split(/\s+/).filter(Boolean);
  grid.table.clearFilter();
  if (onlyErrors || words.length) {
    grid.table.setFilter((data) => {
      if (onlyErrors && !["errors", "failed"].includes(data.state) && !hasMarks(data.id)) return false;
      const haystack = searchText(data);
      return words.every((word) => haystack.includes(word));
    });
  }
}

export function updateCounts() {
  const line = $("[data-grid-count]");
  if (grid.loading) {
    // The counts of the whole batch are the page's until every row is in.
    if (line) line.textContent = "Loading " + root.dataset.total + " documents… (" + rowsById.size + " so far)";
    return;
  }
  let errors = 0;
  rowsById.forEach((row) => { if (row.state === "errors" || row.state === "failed") errors += 1; });
  const shown = grid.table ? grid.table.getDataCount("active") : rowsById.size;
  const total = rowsById.size;
  const counter = $("[data-error-count]");
  if (counter) counter.textContent = errors;
  if (line) line.textContent = (shown === total ? total + " document" + (total === 1 ? "" : "s") : shown + " of " + total + " shown") + " · " + errors + " with errors";
}

let selectionFrame = null;
export function showSelection() {
  cancelAnimationFrame(selectionFrame);
  selectionFrame = requestAnimationFrame(() => {
    const info = grid.actions.activeCell();
    grid.panel.show(info ? rowsById.get(info.row.id) || info.row : null, info ? info.columnId : null);
    const selected = info ? info.row : null;
    document.querySelectorAll("[data-grid-selected-document]").forEach((input) => { input.value = selected ? selected.id : ""; });
    document.querySelectorAll("[data-grid-selected-name]").forEach((span) => { span.textContent = selected ? selected.file : "no document selected"; });
  });
}

export function announce(message) {
  const live = $("[data-grid-status]");
  if (live) live.textContent = message;
}

export function updateButtons() {
  const undoButton = $("[data-undo]");
  const redoButton = $("[data-redo]");
  if (undoButton) undoButton.disabled = !history.canUndo;
  if (redoButton) redoButton.disabled = !history.canRedo;
}

export function setSaveState(state, message) {
  const box = $("[data-save-state]");
  if (!box) return;
  box.dataset.state = state;
  const retry = $("[data-retry]");
  if (retry) retry.hidden = state !== "failed";
  box.textContent = state === "saving" ? "Saving…" : state === "failed" ? message || "Not saved" : "All changes saved";
  root.dispatchEvent(new CustomEvent("grid:save-state", { bubbles: true, detail: { state } }));
}
