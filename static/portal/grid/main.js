// The batch grid: every document of the batch in one spreadsheet-like grid (Tabulator, vendored in
// static/vendor/), edited in place and saved automatically. The server is the judge: it reads
// every typed or pasted value, validates, and answers with the rows as they now are.
//
// Keys: arrows move, Shift+arrows select, Enter or typing edits, Enter/Tab save and move, Escape
// cancels, Delete clears, Ctrl+C / Ctrl+V copy and paste (tab-separated, as spreadsheets do),
// Ctrl+D fills down, Ctrl+Z / Ctrl+Y undo and redo.
//
// The modules: state.js (what they share), loading.js (the rows), table.js (Tabulator and its
// columns), cells.js (one cell, shown and edited), changes.js (changes, undo, redo, the server's
// answers), saver.js (batched saving), keyboard.js, operations.js (copy, paste, fill down, clear,
// templates on the selected range), view.js (counts, panel, save state), panel.js, layout.js
// (the column choice), pending.js (rows still being read), toolbar.js, history.js, tsv.js.

import { open } from "./loading.js";
import { root } from "./state.js";

if (root && window.Tabulator) {
  if (root.dataset.editable !== "true") root.classList.add("is-locked");
  open();
}
