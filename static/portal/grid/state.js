// What the grid's modules share: the rows as the server sent them, the marks on cells the person
// changed, and the table once it is built.

import { displayValues } from "./cells.js";
import { History } from "./history.js";

export const root = document.querySelector("[data-grid]");
export const $ = (selector) => root.querySelector(selector);
export const csrf = () => (document.querySelector("[name=csrfmiddlewaretoken]") || {}).value || "";

export const grid = {
  table: null, // the Tabulator table
  built: null, // settles when the table is built (Tabulator builds after its constructor returns)
  actions: null, // what is done to the selected range (operations.js), once the table is built
  saver: null,
  panel: null,
  columns: [],
  editable: false,
  loading: false, // the page's first rows are shown; the rest of a large batch is on its way
  typedStart: null, // the key that opened an editor by typing on a cell
  reload: () => {}, // reads every row again from the server (loading.js)
};

export const marks = new Map(); // "document:column" -> {status: pending|invalid|conflict|locked, message, text}
export const markKey = (id, column) => id + ":" + column;
export const history = new History(100);
export const columnsById = new Map();
export const columnsByField = new Map();
export const rowsById = new Map();
export const rowComponents = new Map(); // document id -> Tabulator row component

export const isEditableColumn = (id) => grid.editable && columnsById.has(id) && columnsById.get(id).editable;

// A row as the table holds it: the server's row with every column's text (what sorting, header
// filters and copying read). Runs for every row on load (10,000 of them): no work that can wait.
export function toRowData(server) {
  const data = server;
  const cells = server.cells || {};
  for (const column of grid.columns) {
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

export function searchText(data) {
  if (data.search === undefined) {
    data.search = [data.file, ...grid.columns.map((column) => data[column.field])].join(" ").toLowerCase();
  }
  return data.search;
}

export const hasMarks = (id) => grid.columns.some((c) => { const m = marks.get(markKey(id, c.id)); return m && m.status !== "pending"; });
export const marksOf = (id) => grid.columns.map((c) => [c.id, marks.get(markKey(id, c.id))]).filter(([, m]) => m && m.status !== "pending");
