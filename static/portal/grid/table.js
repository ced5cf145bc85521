// Building the table: the columns the server offers (in the person's order), Tabulator's options,
// and the events that tie it to the rest of the grid.

import { STATE_LABELS, fieldOf, formatCell, formatFile, formatState, indexChoices, makeEditor } from "./cells.js";
import { change, onAnswer, onRejected } from "./changes.js";
import { bindTabKeys, isEditing, moveAfterEdit, onKeyDown } from "./keyboard.js";
import { LayoutKeeper, orderedColumns } from "./layout.js";
import { RangeActions } from "./operations.js";
import { Panel } from "./panel.js";
import { watchPending } from "./pending.js";
import { Saver } from "./saver.js";
import { $, columnsByField, columnsById, csrf, grid, isEditableColumn, markKey, marks, marksOf, root, rowComponents, rowsById, toRowData } from "./state.js";
import { announce, setSaveState, showSelection, updateCounts } from "./view.js";

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
  if (column.editable && grid.editable) {
    definition.editor = makeEditor({
      columnOf: () => column,
      takeTypedStart: () => { const t = grid.typedStart; grid.typedStart = null; return t; },
      onCommit: (cell, text) => change([{ id: cell.getRow().getData().id, column: column.id, text }], "typing in " + column.label),
      onMove: moveAfterEdit,
    });
  }
  return definition;
}

function addChoiceLists() {
  const holder = $("[data-choice-lists]");
  if (!holder) return;
  holder.replaceChildren(...grid.columns.filter((c) => (c.choices || []).length).map((column) => {
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

export function build(payload) {
  grid.editable = payload.batch.editable && root.dataset.editable === "true";
  grid.columns = payload.columns.map((column) => ({ ...indexChoices(column), field: fieldOf(column.id) }));
  grid.columns.forEach((c) => { columnsById.set(c.id, c); columnsByField.set(c.field, c); });
  const ordered = orderedColumns(grid.columns, (payload.layout || {}).columns);
  const data = payload.rows.map((server) => { const row = toRowData(server); rowsById.set(row.id, row); return row; });
  addChoiceLists();
  grid.panel = new Panel({
    element: $("[data-grid-panel-body]"),
    announcer: $("[data-grid-announce]"),
    rules: payload.rules || {},
    columnsById,
    documentUrl: root.dataset.documentUrl,
    marksOf,
  });
  grid.saver = new Saver({
    url: root.dataset.changesUrl,
    csrf: csrf(),
    versionOf: (id) => rowsById.get(id)?.version,
    onAnswer,
    onRejected,
    onState: setSaveState,
  });
  const host = $("[data-grid-host]");
  const table = new Tabulator(host, {
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
    placeholder: grid.editable ? "No documents yet: add files above." : "No documents.",
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
  grid.table = table;
  grid.built = new Promise((resolve) => table.on("tableBuilt", resolve));
  grid.actions = new RangeActions({ table, marks, markKey, isEditableColumn, isEditable: () => grid.editable, change, announce });
  table.on("tableBuilt", () => {
    table.getRows().forEach((row) => {
      rowComponents.set(row.getData().id, row);
      rowsById.set(row.getData().id, row.getData());
    });
    host.setAttribute("aria-label", root.dataset.gridLabel || "Documents");
    host.setAttribute("aria-rowcount", String((grid.loading ? Number(root.dataset.total) || data.length : data.length) + 1));
    // The scrolling body takes the keyboard (it is focusable), so it is the grid's row group and
    // the plain box inside it steps aside: a grid may only hold row groups and rows.
    host.querySelector(".tabulator-tableholder").setAttribute("role", "rowgroup");
    host.querySelector(".tabulator-tableholder > .tabulator-table").setAttribute("role", "none");
    bindTabKeys(host);
    new LayoutKeeper({ table, url: root.dataset.layoutUrl, csrf: csrf(), chooser: $("[data-column-chooser]"), columnsById, onStatus: announce }).renderChooser();
    updateCounts();
    showSelection();
    root.classList.add("is-ready");
    watchPending();
    root.dispatchEvent(new CustomEvent("grid:ready", { bubbles: true, detail: { rows: data.length } }));
    if (!grid.loading) root.dispatchEvent(new CustomEvent("grid:loaded", { bubbles: true, detail: { rows: data.length } }));
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
  document.addEventListener("copy", (event) => { if (host.contains(document.activeElement) && !isEditing()) grid.actions.copy(event); });
  document.addEventListener("paste", (event) => {
    if (!host.contains(document.activeElement) || isEditing()) return;
    event.preventDefault();
    grid.actions.paste(event.clipboardData.getData("text/plain"));
  });
}
