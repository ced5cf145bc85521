// Where the rows come from. The batch page carries the first rows, so the grid is drawn from them
// at once; a large batch's other rows come from grid.json (asked for while the page loads) and
// are added below them.

import { redo, undo } from "./changes.js";
import { watchPending } from "./pending.js";
import { $, csrf, grid, root, rowComponents, rowsById, toRowData } from "./state.js";
import { build } from "./table.js";
import { bindToolbar, fillTemplates } from "./toolbar.js";
import { applyFilters, redrawRows, setSaveState, updateCounts } from "./view.js";

function fetchRows() {
  // The first fetch matches the page's <link rel="preload"> of the same URL, so it started early.
  return fetch(root.dataset.gridUrl, { credentials: "same-origin" })
    .then((response) => { if (!response.ok) throw new Error(String(response.status)); return response.json(); });
}

function start(payload) {
  build(payload);
  bindToolbar(root, {
    undo,
    redo,
    fillDown: () => grid.actions.fillDown(),
    clear: () => grid.actions.clear(),
    retry: () => grid.saver.flush(),
    filter: applyFilters,
    applyTemplate: (template) => grid.actions.applyTemplate(template),
    selectedIds: () => grid.actions.selectedDocumentIds(),
    versionOf: (id) => rowsById.get(id)?.version,
    csrf,
    busy: () => Boolean(grid.saver && grid.saver.busy),
  });
  fillTemplates(root, payload.templates, grid.editable);
}

// The rest of a large batch, after the page's first rows: added below them (a sort or filter the
// person chose meanwhile applies to them too). Rows already shown are kept as they are: the
// person may be changing them.
function addRest(payload) {
  const fresh = [];
  payload.rows.forEach((server) => {
    if (rowsById.has(server.id)) return;
    const row = toRowData(server);
    rowsById.set(row.id, row);
    fresh.push(row);
  });
  return (fresh.length ? grid.table.addData(fresh, false) : Promise.resolve([])).then((rows) => {
    rows.forEach((row) => {
      rowComponents.set(row.getData().id, row);
      rowsById.set(row.getData().id, row.getData());
    });
    grid.loading = false;
    $("[data-grid-host]").setAttribute("aria-rowcount", String(rowsById.size + 1));
    updateCounts();
    watchPending();
    root.dispatchEvent(new CustomEvent("grid:loaded", { bubbles: true, detail: { rows: rowsById.size } }));
  });
}

// Every row again, as the server holds it (after the server refused a change).
function reload() {
  return fetchRows()
    .then((payload) => {
      grid.editable = grid.editable && payload.batch.editable;
      payload.rows.forEach((server) => rowsById.set(server.id, server));
      redrawRows(payload.rows.map((server) => server.id));
      updateCounts();
      fillTemplates(root, payload.templates, grid.editable);
    })
    .catch(() => setSaveState("failed", "The grid could not be loaded. Reload the page to try again."));
}

function embeddedRows() {
  const holder = root.querySelector("[data-grid-first]");
  try {
    return holder ? JSON.parse(holder.dataset.gridFirst) : null;
  } catch (error) {
    return null;
  }
}

export function open() {
  grid.reload = reload;
  const first = embeddedRows();
  if (!first) {
    fetchRows().then(start).catch(() => setSaveState("failed", "The grid could not be loaded. Reload the page to try again."));
    return;
  }
  grid.loading = first.rows.length >= (first.limit || Infinity);
  start(first);
  if (!grid.loading) return;
  fetchRows()
    .then((payload) => grid.built.then(() => addRest(payload)))
    .catch(() => {
      grid.loading = false;
      updateCounts();
      setSaveState("failed", "Not every document could be loaded. Reload the page to see them all.");
    });
}
