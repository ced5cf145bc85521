// The batch grid: every document of the batch in one spreadsheet-like grid (Tabulator, vendored in
// static/vendor/), edited in place and saved automatically. The server is the judge: it reads
// every typed or pasted value, validates, and answers with the rows as they now are.
//
// Keys: arrows move, Shift+arrows select, Enter or typing edits, Enter/Tab save and move, Escape
// cancels, Delete clears, Ctrl+C / Ctrl+V copy and paste (tab-separated, as spreadsheets do),
// Ctrl+D fills down, Ctrl+Z / Ctrl+Y undo and redo.

import { STATE_LABELS, columnIdOf, displayValues, fieldOf, formatCell, formatFile, formatState, indexChoices, makeEditor } from "./cells.js";
import { History } from "./history.js";
import { LayoutKeeper, orderedColumns } from "./layout.js";
import { Panel } from "./panel.js";
import { Saver } from "./saver.js";
import { RangeActions } from "./operations.js";
import { bindToolbar, fillTemplates } from "./toolbar.js";

const root = document.querySelector("[data-grid]");
const csrf = () => (document.querySelector("[name=csrfmiddlewaretoken]") || {}).value || "";
const $ = (selector) => root.querySelector(selector);

const marks = new Map(); // "document:column" -> {status: pending|invalid|conflict|locked, message, text}
const markKey = (id, column) => id + ":" + column;
const history = new History(100);
let columns = [];
const columnsById = new Map();
const columnsByField = new Map();
const rowsById = new Map();
const rowComponents = new Map(); // document id -> Tabulator row component
let table = null;
let built = null; // settles when the table is built (Tabulator builds after its constructor returns)
let saver = null;
let panel = null;
let editable = false;
let typedStart = null;
let loading = false; // the page's first rows are shown; the rest of a large batch is on its way

// --- rows ---------------------------------------------------------------------------------------

function toRowData(server) {
  // Runs for every row on load (10,000 of them): no work that can wait until it is needed.
  const data = server;
  const cells = server.cells || {};
  for (const column of columns) {
    const field = column.field;
    const mark = marks.size ? marks.get(markKey(server.id, column.id)) : undefined;
    data[field] = mark && (mark.status === "invalid" || (mark.status === "pending" && mark.text != null))
      ? mark.text
      : displayValues(column, cells[column.id]);
  }
  data.search = undefined; // worked out by the first search that needs it
  data.pending = Boolean(server.pending);
  return data;
}

function searchText(data) {
  if (data.search === undefined) {
    data.search = [data.file, ...columns.map((column) => data[column.field])].join(" ").toLowerCase();
  }
  return data.search;
}

// Show rows whose data changed. Tabulator's own row update measures every row it touches (a forced
// layout each), which makes a paste of 100 rows take seconds; so the row's data is changed in place
// and only the cells on screen are drawn again (writes only). Rows off screen are drawn when they
// next come into view.
function redrawRows(ids) {
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

const isEditableColumn = (id) => editable && columnsById.has(id) && columnsById.get(id).editable;
let actions = null; // what is done to the selected range (operations.js), once the table is built


// --- changing cells (one step of the history each) ----------------------------------------------

// cells: [{id, column, values}] or [{id, column, text}] — values are stored values, text is read by the server.
function change(cells, label) {
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
  if (changes.length) saver.add(changes, { now: changes.length > 1 });
  return step;
}

const sameValues = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

function onAnswer(answer, sent) {
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

function onRejected(sent, message, status) {
  // Put the cells back as the server holds them: reload the batch's rows.
  sent.forEach((change) => marks.set(markKey(change.document, change.field), { status: "invalid", message, text: change.text ?? "" }));
  if (status === 409) { editable = false; root.classList.add("is-locked"); }
  load();
}

function setSaveState(state, message) {
  const box = $("[data-save-state]");
  if (!box) return;
  box.dataset.state = state;
  const retry = $("[data-retry]");
  if (retry) retry.hidden = state !== "failed";
  box.textContent = state === "saving" ? "Saving…" : state === "failed" ? message || "Not saved" : "All changes saved";
  root.dispatchEvent(new CustomEvent("grid:save-state", { bubbles: true, detail: { state } }));
}

// --- undo / redo --------------------------------------------------------------------------------

function undo() {
  const step = history.takeUndo();
  if (!step) return;
  apply(step.cells.map((c) => ({ id: c.id, column: c.column, values: c.before })));
  announce("Undone: " + step.label);
}

function redo() {
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
  if (changes.length) saver.add(changes, { now: true });
}

// --- filters, counts, selection -----------------------------------------------------------------

function applyFilters() {
  const onlyErrors = $("[data-errors-only]")?.checked;
  const words = ($("[data-grid-search]")?.value || "").trim().toLowerCase().split(/\s+/).filter(Boolean);
  table.clearFilter();
  if (onlyErrors || words.length) {
    table.setFilter((data) => {
      if (onlyErrors && !["errors", "failed"].includes(data.state) && !hasMarks(data.id)) return false;
      const haystack = searchText(data);
      return words.every((word) => haystack.includes(word));
    });
  }
}

const hasMarks = (id) => columns.some((c) => { const m = marks.get(markKey(id, c.id)); return m && m.status !== "pending"; });
const marksOf = (id) => columns.map((c) => [c.id, marks.get(markKey(id, c.id))]).filter(([, m]) => m && m.status !== "pending");

function updateCounts() {
  const line = $("[data-grid-count]");
  if (loading) {
    // The counts of the whole batch are the page's until every row is in.
    if (line) line.textContent = "Loading " + root.dataset.total + " documents… (" + rowsById.size + " so far)";
    return;
  }
  let errors = 0;
  rowsById.forEach((row) => { if (row.state === "errors" || row.state === "failed") errors += 1; });
  const shown = table ? table.getDataCount("active") : rowsById.size;
  const total = rowsById.size;
  const counter = $("[data-error-count]");
  if (counter) counter.textContent = errors;
  if (line) line.textContent = (shown === total ? total + " document" + (total === 1 ? "" : "s") : shown + " of " + total + " shown") + " · " + errors + " with errors";
}

let selectionFrame = null;
function showSelection() {
  cancelAnimationFrame(selectionFrame);
  selectionFrame = requestAnimationFrame(() => {
    const info = actions.activeCell();
    panel.show(info ? rowsById.get(info.row.id) || info.row : null, info ? info.columnId : null);
    const selected = info ? info.row : null;
    document.querySelectorAll("[data-grid-selected-document]").forEach((input) => { input.value = selected ? selected.id : ""; });
    document.querySelectorAll("[data-grid-selected-name]").forEach((span) => { span.textContent = selected ? selected.file : "no document selected"; });
  });
}

function announce(message) {
  const live = $("[data-grid-status]");
  if (live) live.textContent = message;
}

function updateButtons() {
  const undoButton = $("[data-undo]");
  const redoButton = $("[data-redo]");
  if (undoButton) undoButton.disabled = !history.canUndo;
  if (redoButton) redoButton.disabled = !history.canRedo;
}

// --- keyboard -----------------------------------------------------------------------------------

const isEditing = () => Boolean(table.modules.edit && table.modules.edit.currentCell);

function onKeyDown(event) {
  if (isEditing() || event.target.matches("input, select, textarea, button")) return;
  const key = event.key;
  const ctrl = event.ctrlKey || event.metaKey;
  if (ctrl && !event.altKey) {
    const lower = key.toLowerCase();
    if (lower === "z" && !event.shiftKey) { event.preventDefault(); undo(); }
    else if (lower === "y" || (lower === "z" && event.shiftKey)) { event.preventDefault(); redo(); }
    else if (lower === "d") { event.preventDefault(); actions.fillDown(); }
    return;
  }
  if ((key === "Delete" || key === "Backspace") && editable) { event.preventDefault(); actions.clear(); return; }
  if (key === "F2") { event.preventDefault(); editActive(null); return; }
  if (key.length === 1 && !event.altKey && editable) {
    // Typing on a cell replaces its value, as in a spreadsheet.
    event.preventDefault();
    editActive(key);
  }
}

function editActive(startText) {
  const info = actions.activeCell();
  if (!info || !isEditableColumn(info.columnId)) return;
  typedStart = startText;
  info.cell.edit(true);
}

function moveAfterEdit(direction) {
  // Give the grid the keyboard back at once (keys typed right after Enter or Tab go to the next
  // cell), then move as Enter / Tab asked.
  table.rowManager.element.focus({ preventScroll: true });
  if (direction) actions.move(direction);
  showSelection();
}

// --- building the grid --------------------------------------------------------------------------

function columnDefinition(column) {
  const definition = {
    title: column.label,
    field: fieldOf(column.id),
    visible: column.shown !== false,
    formatter: (cell) => formatCell(cell, column, marks.get(markKey(cell.getRow().getData().id, column.id))),
    headerFilter: "input",
    headerFilterPlaceholder: "Filter",
    headerFilterParams: { elementAttributes: { "aria-label": "Filter " + column.label } },
    headerTooltip: column.help || column.label,
    minWidth: 60,
    width: column.width || (column.kind === "multi" ? 200 : column.kind === "date" ? 120 : 160),
  };
  if (column.editable && editable) {
    definition.editor = makeEditor({
      columnOf: () => column,
      takeTypedStart: () => { const t = typedStart; typedStart = null; return t; },
      onCommit: (cell, text) => change([{ id: cell.getRow().getData().id, column: column.id, text }], "typing in " + column.label),
      onMove: moveAfterEdit,
    });
  }
  return definition;
}

function addChoiceLists() {
  const holder = $("[data-choice-lists]");
  if (!holder) return;
  holder.replaceChildren(...columns.filter((c) => (c.choices || []).length).map((column) => {
    const list = document.createElement("datalist");
    list.id = "grid-choices-" + column.id;
    column.choices.filter((c) => c.active !== false).forEach((choice) => {
      const option = document.createElement("option");
      option.value = choice.text;
      if (choice.code) option.label = choice.code;
      list.appendChild(option);
    });
    return list;
  }));
}

function build(payload) {
  editable = payload.batch.editable && root.dataset.editable === "true";
  columns = payload.columns.map((column) => ({ ...indexChoices(column), field: fieldOf(column.id) }));
  columns.forEach((c) => { columnsById.set(c.id, c); columnsByField.set(c.field, c); });
  const ordered = orderedColumns(columns, (payload.layout || {}).columns);
  const data = payload.rows.map((server) => { const row = toRowData(server); rowsById.set(row.id, row); return row; });
  addChoiceLists();
  panel = new Panel({
    element: $("[data-grid-panel-body]"),
    announcer: $("[data-grid-announce]"),
    rules: payload.rules || {},
    columnsById,
    documentUrl: root.dataset.documentUrl,
    marksOf,
  });
  saver = new Saver({
    url: root.dataset.changesUrl,
    csrf: csrf(),
    versionOf: (id) => rowsById.get(id)?.version,
    onAnswer,
    onRejected,
    onState: setSaveState,
  });
  const host = $("[data-grid-host]");
  table = new Tabulator(host, {
    data,
    index: "id",
    // As tall as the rows need, up to the window (then rows are drawn as they scroll into view).
    maxHeight: "max(420px, calc(100vh - 170px))",
    minHeight: 120,
    layout: "fitDataTable",
    renderVerticalBuffer: 400,
    rowHeight: 28, // fixed: rows are never measured, which keeps redraws of many rows cheap
    movableColumns: true,
    selectableRange: 1,
    selectableRangeRows: true,
    selectableRangeColumns: false,
    selectableRangeClearCells: false,
    selectableRangeAutoFocus: false,
    editTriggerEvent: "dblclick",
    clipboard: false,
    history: false,
    keybindings: { copyToClipboard: false, undo: false, redo: false },
    placeholder: editable ? "No documents yet: add files above." : "No documents.",
    rowHeader: {
      title: "File",
      field: "file",
      frozen: true,
      headerSort: true,
      resizable: true,
      width: Math.min(240, Math.round(host.clientWidth * 0.4)), // a phone keeps room for the cells
      minWidth: 100,
      formatter: formatFile,
      headerFilter: "input",
      headerFilterPlaceholder: "Filter",
      headerFilterParams: { elementAttributes: { "aria-label": "Filter by file name" } },
    },
    columns: [
      {
        title: "State", field: "state", width: 92, formatter: formatState,
        sorter: (a, b) => (STATE_LABELS[a] || a).localeCompare(STATE_LABELS[b] || b),
        headerFilter: "input", headerFilterPlaceholder: "Filter",
        headerFilterParams: { elementAttributes: { "aria-label": "Filter by state" } },
        headerFilterFunc: (term, value) => (STATE_LABELS[value] || value).toLowerCase().includes(String(term).toLowerCase()),
      },
      ...ordered.map(columnDefinition),
    ],
  });
  built = new Promise((resolve) => table.on("tableBuilt", resolve));
  actions = new RangeActions({ table, marks, markKey, isEditableColumn, isEditable: () => editable, change, announce });
  table.on("tableBuilt", () => {
    table.getRows().forEach((row) => {
      rowComponents.set(row.getData().id, row);
      rowsById.set(row.getData().id, row.getData());
    });
    host.setAttribute("aria-label", root.dataset.gridLabel || "Documents");
    host.setAttribute("aria-rowcount", String((loading ? Number(root.dataset.total) || data.length : data.length) + 1));
    // The scrolling body takes the keyboard (it is focusable), so it is the grid's row group and
    // the plain box inside it steps aside: a grid may only hold row groups and rows.
    host.querySelector(".tabulator-tableholder").setAttribute("role", "rowgroup");
    host.querySelector(".tabulator-tableholder > .tabulator-table").setAttribute("role", "none");
    // Tab goes from the toolbar through the column filters to the rows, not to the header box;
    // keys typed in a column filter are the filter's (Tabulator would move the selection).
    const header = host.querySelector(".tabulator-header");
    header.setAttribute("tabindex", "-1");
    header.addEventListener("keydown", (event) => { if (event.target.matches("input, select, textarea")) event.stopPropagation(); });
    // Tab moves along the row as in a spreadsheet; from the last cell (Shift+Tab: the first) it
    // leaves the grid, so the keyboard is never trapped in it.
    table.rowManager.element.addEventListener("keydown", (event) => {
      if (event.key !== "Tab" || isEditing()) return;
      const bounds = actions.activeBounds();
      if (!bounds || (!event.shiftKey && bounds.right >= actions.visibleColumns().length - 1) || (event.shiftKey && bounds.left <= 1)) {
        event.stopPropagation();
      }
    });
    new LayoutKeeper({ table, url: root.dataset.layoutUrl, csrf: csrf(), chooser: $("[data-column-chooser]"), columnsById, onStatus: announce }).renderChooser();
    updateCounts();
    showSelection();
    root.classList.add("is-ready");
    watchPending();
    root.dispatchEvent(new CustomEvent("grid:ready", { bubbles: true, detail: { rows: data.length } }));
    if (!loading) root.dispatchEvent(new CustomEvent("grid:loaded", { bubbles: true, detail: { rows: data.length } }));
  });
  table.on("dataFiltered", () => requestAnimationFrame(updateCounts));
  // A narrow window (a phone held upright) keeps room for cells beside the frozen file names.
  window.addEventListener("resize", () => {
    const file = table.getColumn("file");
    const room = Math.round(host.clientWidth * 0.4);
    if (file && file.getWidth() > room) file.setWidth(Math.max(100, room));
  });
  table.on("rangeChanged", showSelection);
  table.on("rangeAdded", showSelection);
  host.addEventListener("keydown", onKeyDown);
  document.addEventListener("copy", (event) => { if (host.contains(document.activeElement) && !isEditing()) actions.copy(event); });
  document.addEventListener("paste", (event) => {
    if (!host.contains(document.activeElement) || isEditing()) return;
    event.preventDefault();
    actions.paste(event.clipboardData.getData("text/plain"));
  });
}

// Rows the server is still working on (a document being read) are asked for again until done.
let pendingTimer = null;
let pendingDelay = 1500;
function watchPending() {
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
  return (fresh.length ? table.addData(fresh, false) : Promise.resolve([])).then((rows) => {
    rows.forEach((row) => {
      rowComponents.set(row.getData().id, row);
      rowsById.set(row.getData().id, row.getData());
    });
    loading = false;
    $("[data-grid-host]").setAttribute("aria-rowcount", String(rowsById.size + 1));
    updateCounts();
    watchPending();
    root.dispatchEvent(new CustomEvent("grid:loaded", { bubbles: true, detail: { rows: rowsById.size } }));
  });
}

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
    fillDown: () => actions.fillDown(),
    clear: () => actions.clear(),
    retry: () => saver.flush(),
    filter: applyFilters,
    applyTemplate: (template) => actions.applyTemplate(template),
    selectedIds: () => actions.selectedDocumentIds(),
    versionOf: (id) => rowsById.get(id)?.version,
    csrf,
    busy: () => Boolean(saver && saver.busy),
  });
  fillTemplates(root, payload.templates, editable);
}

function load() {
  return fetchRows()
    .then((payload) => {
      if (!table) start(payload);
      else {
        editable = editable && payload.batch.editable;
        payload.rows.forEach((server) => rowsById.set(server.id, server));
        redrawRows(payload.rows.map((server) => server.id));
        updateCounts();
        fillTemplates(root, payload.templates, editable);
      }
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

if (root && window.Tabulator) {
  if (root.dataset.editable !== "true") root.classList.add("is-locked");
  // The page carries the first rows: the grid is drawn from them at once, and a large batch's
  // other rows follow from grid.json.
  const first = embeddedRows();
  if (!first) load();
  else {
    loading = first.rows.length >= (first.limit || Infinity);
    start(first);
    if (loading) {
      fetchRows().then((payload) => built.then(() => addRest(payload))).catch(() => {
        loading = false;
        updateCounts();
        setSaveState("failed", "Not every document could be loaded. Reload the page to see them all.");
      });
    }
  }
}
