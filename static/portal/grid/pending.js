// Rows the server is still working on (a document being read) are asked for again until done.

import { columnsById, root, rowsById } from "./state.js";
import { redrawRows, showSelection, updateCounts } from "./view.js";

let pendingTimer = null;
let pendingDelay = 1500;

export function watchPending() {
  clearTimeout(pendingTimer);
  const ids = [];
  rowsById.forEach((row) => { if (row.pending) ids.push(row.id); });
  if (!ids.length) return;
  pendingTimer = setTimeout(() => {
    fetch(root.dataset.gridUrl + "?ids=" + ids.slice(0, 500).join(","), { credentials: "same-origin" })
      .then((response) => { if (!response.ok) throw new Error(String(response.status)); return response.json(); })
      .then((payload) => {
        const returned = new Set(payload.rows.map((row) => row.id));
        const newColumns = payload.columns.some((column) => !columnsById.has(column.id));
        // A document that is gone (a zip expanded into its files) or a new column: draw the page again.
        if (newColumns || ids.some((id) => !returned.has(id))) { window.location.reload(); return; }
        payload.rows.forEach((server) => rowsById.set(server.id, server));
        redrawRows(payload.rows.map((row) => row.id));
        updateCounts();
        showSelection();
        pendingDelay = 1500;
        watchPending();
      })
      .catch(() => { pendingDelay = Math.min(pendingDelay * 2, 30000); watchPending(); });
  }, pendingDelay);
}
