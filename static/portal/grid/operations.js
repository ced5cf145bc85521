// What the grid does to the selected range of cells: copy, paste, fill down, clear, apply a
// template. Each change is handed to the grid's `change` (one step of the history, one save).

import { STATE_LABELS, columnIdOf, fieldOf } from "./cells.js";
import { parseTsv, toTsv } from "./tsv.js";

export class RangeActions {
  // grid: { table, marks, markKey, isEditableColumn(id), isEditable(), change(cells, label), announce(text) }
  constructor(grid) {
    this.grid = grid;
    this.table = grid.table;
  }

  // Tabulator's range module keeps the active range; its public component lacks the anchor cell.
  get module() { return this.table.modules.selectRange; }

  visibleColumns() { return this.table.columnManager.getVisibleColumnsByIndex(); }

  activeBounds() {
    const range = this.module.activeRange;
    if (!range) return null;
    return { top: range.top, bottom: range.bottom, left: range.left, right: range.right };
  }

  activeCell() {
    const cell = this.module.getActiveCell();
    if (!cell) return null;
    return { row: cell.row.getData(), columnId: columnIdOf(cell.column.getField()), cell: cell.getComponent() };
  }

  targets(bounds) {
    const rows = this.table.getRows("active").slice(bounds.top, bounds.bottom + 1);
    const cols = this.visibleColumns().slice(bounds.left, bounds.right + 1).map((c) => columnIdOf(c.getField()));
    return { rows, cols };
  }

  move(direction) { this.module.navigate(false, false, direction); }

  selectedDocumentIds() {
    const bounds = this.activeBounds();
    return bounds ? this.targets(bounds).rows.map((row) => row.getData().id) : [];
  }

  copy(event) {
    const bounds = this.activeBounds();
    if (!bounds) return;
    const { rows, cols } = this.targets(bounds);
    const lines = rows.map((row) => cols.map((id) => {
      const data = row.getData();
      if (id === "file" || id === "state") return id === "state" ? STATE_LABELS[data.state] || data.state : data.file;
      return data[fieldOf(id)] || "";
    }));
    event.clipboardData.setData("text/plain", toTsv(lines));
    event.preventDefault();
    this.grid.announce("Copied " + rows.length * cols.length + " cell(s).");
  }

  paste(text) {
    const block = parseTsv(text);
    const bounds = this.activeBounds();
    if (!block.length || !bounds || !this.grid.isEditable()) return;
    const displayRows = this.table.getRows("active");
    const allColumns = this.visibleColumns().map((c) => columnIdOf(c.getField()));
    const single = block.length === 1 && block[0].length === 1;
    const height = single ? bounds.bottom - bounds.top + 1 : block.length;
    const width = single ? bounds.right - bounds.left + 1 : Math.max(...block.map((r) => r.length));
    const cells = [];
    let skipped = 0;
    for (let r = 0; r < height; r += 1) {
      const row = displayRows[bounds.top + r];
      if (!row) { skipped += 1; continue; }
      for (let c = 0; c < width; c += 1) {
        const column = allColumns[bounds.left + c];
        const value = single ? block[0][0] : (block[r][c] ?? "");
        if (column && this.grid.isEditableColumn(column)) cells.push({ id: row.getData().id, column, text: value });
      }
    }
    this.grid.change(cells, cells.length === 1 ? "paste" : "paste of " + cells.length + " cells");
    this.select(bounds.top, bounds.left, Math.min(bounds.top + height, displayRows.length) - 1, bounds.left + width - 1);
    this.grid.announce("Pasted " + cells.length + " cell(s)" + (skipped ? "; " + skipped + " row(s) below the last document were left out." : "."));
  }

  select(top, left, bottom, right) {
    const range = this.module.activeRange;
    if (!range) return;
    const rows = this.module.getTableRows();
    const cols = this.module.getTableColumns();
    const start = rows[top]?.getCell(cols[left]);
    const end = rows[Math.min(bottom, rows.length - 1)]?.getCell(cols[Math.min(right, cols.length - 1)]);
    if (start && end) range.setBounds(start, end);
  }

  fillDown() {
    const bounds = this.activeBounds();
    if (!bounds || !this.grid.isEditable()) return;
    const displayRows = this.table.getRows("active");
    let from = bounds.top;
    let first = bounds.top + 1;
    if (bounds.top === bounds.bottom) { from = bounds.top - 1; first = bounds.top; } // Excel's Ctrl+D on one row
    if (from < 0) return;
    const { cols } = this.targets(bounds);
    const source = displayRows[from].getData();
    const { marks, markKey } = this.grid;
    const cells = [];
    for (let r = first; r <= bounds.bottom; r += 1) {
      const id = displayRows[r].getData().id;
      cols.forEach((column) => {
        if (!this.grid.isEditableColumn(column)) return;
        // A value typed a moment ago may not be answered yet: copy what the cell shows.
        const mark = marks.get(markKey(source.id, column));
        if (mark && mark.text != null) cells.push({ id, column, text: mark.text });
        else cells.push({ id, column, values: (source.cells || {})[column] || [] });
      });
    }
    this.grid.change(cells, "fill down");
    this.grid.announce("Filled down " + cells.length + " cell(s).");
  }

  clear() {
    const bounds = this.activeBounds();
    if (!bounds || !this.grid.isEditable()) return;
    const { rows, cols } = this.targets(bounds);
    const cells = [];
    rows.forEach((row) => cols.forEach((column) => {
      if (this.grid.isEditableColumn(column)) cells.push({ id: row.getData().id, column, values: [] });
    }));
    this.grid.change(cells, "clear");
    this.grid.announce("Cleared " + cells.length + " cell(s).");
  }

  applyTemplate(template) {
    const bounds = this.activeBounds();
    if (!bounds || !template) return;
    const { rows } = this.targets(bounds);
    const cells = [];
    rows.forEach((row) => Object.entries(template.values || {}).forEach(([column, values]) => {
      if (this.grid.isEditableColumn(column)) cells.push({ id: row.getData().id, column, values });
    }));
    this.grid.change(cells, "template “" + template.name + "”");
    this.grid.announce("Template “" + template.name + "” applied to " + rows.length + " document(s).");
  }
}
