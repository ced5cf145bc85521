// The grid's keys beyond Tabulator's own (arrows, Shift+arrows): typing or Enter/F2 edits the
// active cell, Delete clears the selection, Ctrl+D fills down, Ctrl+Z / Ctrl+Y undo and redo, and
// Tab moves along the row but leaves the grid from its last cell.

import { redo, undo } from "./changes.js";
import { grid, isEditableColumn } from "./state.js";
import { showSelection } from "./view.js";

export const isEditing = () => Boolean(grid.table.modules.edit && grid.table.modules.edit.currentCell);

export function onKeyDown(event) {
  if (isEditing() || event.target.matches("input, select, textarea, button")) return;
  const key = event.key;
  const ctrl = event.ctrlKey || event.metaKey;
  if (ctrl && !event.altKey) {
    const lower = key.toLowerCase();
    if (lower === "z" && !event.shiftKey) { event.preventDefault(); undo(); }
    else if (lower === "y" || (lower === "z" && event.shiftKey)) { event.preventDefault(); redo(); }
    else if (lower === "d") { event.preventDefault(); grid.actions.fillDown(); }
    return;
  }
  if ((key === "Delete" || key === "Backspace") && grid.editable) { event.preventDefault(); grid.actions.clear(); return; }
  if (key === "F2") { event.preventDefault(); editActive(null); return; }
  if (key.length === 1 && !event.altKey && grid.editable) {
    // Typing on a cell replaces its value, as in a spreadsheet.
    event.preventDefault();
    editActive(key);
  }
}

function editActive(startText) {
  const info = grid.actions.activeCell();
  if (!info || !isEditableColumn(info.columnId)) return;
  grid.typedStart = startText;
  info.cell.edit(true);
}

export function moveAfterEdit(direction) {
  // Give the grid the keyboard back at once (keys typed right after Enter or Tab go to the next
  // cell), then move as Enter / Tab asked.
  grid.table.rowManager.element.focus({ preventScroll: true });
  if (direction) grid.actions.move(direction);
  showSelection();
}

// Tab goes from the toolbar through the column filters to the rows, not to the header box; keys
// typed in a column filter are the filter's (Tabulator would move the selection). In the rows, Tab
// moves along the row as in a spreadsheet; from the last cell (Shift+Tab: the first) it leaves
// the grid, so the keyboard is never trapped in it.
export function bindTabKeys(host) {
  const header = host.querySelector(".tabulator-header");
  header.setAttribute("tabindex", "-1");
  header.addEventListener("keydown", (event) => { if (event.target.matches("input, select, textarea")) event.stopPropagation(); });
  grid.table.rowManager.element.addEventListener("keydown", (event) => {
    if (event.key !== "Tab" || isEditing()) return;
    const bounds = grid.actions.activeBounds();
    const columns = grid.actions.visibleColumns().length;
    if (!bounds || (!event.shiftKey && bounds.right >= columns - 1) || (event.shiftKey && bounds.left <= 1)) {
      event.stopPropagation();
    }
  });
}
