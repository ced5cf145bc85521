// The side panel: every problem of the selected document, the rule that applies, and what became
// of the person's own changes. Also what a screen reader hears when the selection moves.

import { STATE_LABELS, cellNotes } from "./cells.js";

function el(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  Object.entries(props).forEach(([key, value]) => {
    if (key === "className") element.className = value;
    else element.setAttribute(key, value);
  });
  children.forEach((child) => element.append(child));
  return element;
}

export class Panel {
  constructor({ element, announcer, rules, columnsById, documentUrl, marksOf }) {
    this.element = element;
    this.announcer = announcer;
    this.rules = rules;
    this.columnsById = columnsById;
    this.documentUrl = documentUrl;
    this.marksOf = marksOf;
    this.lastAnnounced = "";
  }

  labelOf(fieldId) {
    const column = this.columnsById.get(fieldId);
    return column ? column.label : "";
  }

  show(row, columnId) {
    if (!this.element) return;
    if (!row) {
      this.element.replaceChildren(el("p", { className: "muted" }, "Select a cell to see its document's problems here."));
      return;
    }
    const parts = [el("h3", { id: "grid-panel-title" }, row.file)];
    const head = el("p", { className: "panel-state" }, el("span", { className: "badge state-" + row.state }, STATE_LABELS[row.state] || row.state));
    if (this.documentUrl) head.append(" ", el("a", { href: this.documentUrl.replace(/0\/$/, row.id + "/") }, "Open the document's form"));
    parts.push(head);
    const rule = this.rules[row.rule];
    if (rule) parts.push(el("p", { className: "small" }, "Rule that applies: ", el("strong", {}, rule)));

    const problems = [];
    (row.problems || []).forEach((p) => problems.push({ field: p.field, message: p.message, level: "error" }));
    (row.flags || []).forEach((f) => problems.push({ field: f.field, message: f.message, level: f.level || "warning" }));
    this.marksOf(row.id).forEach(([field, mark]) => {
      if (mark.message) problems.unshift({ field, message: mark.message, level: mark.status === "conflict" ? "conflict" : "error" });
    });
    if (problems.length) {
      const errors = problems.filter((p) => p.level !== "info" && p.level !== "warning").length;
      parts.push(el("h4", {}, errors === 1 ? "1 problem" : errors ? errors + " problems" : "Notes"));
      parts.push(el("ul", { className: "panel-problems" }, ...problems.map((p) => {
        const item = el("li", { className: "note-" + p.level });
        const label = this.labelOf(p.field);
        if (label) item.append(el("strong", {}, label), ": ");
        item.append(p.message);
        return item;
      })));
    } else if (row.state === "ready") {
      parts.push(el("p", { className: "ok" }, "Ready: nothing to fix."));
    }
    if ((row.unmatched || []).length) parts.push(el("p", { className: "small muted" }, "Not recognised in the file name: " + row.unmatched.join(", ")));
    const sources = Array.from(new Set(Object.values(row.proposed || {})));
    if (sources.length) parts.push(el("p", { className: "small muted" }, el("span", { className: "proposed-key" }), " marks values proposed from the " + sources.join(" or the ") + "."));
    this.element.replaceChildren(...parts);
    this.announce(row, columnId);
  }

  announce(row, columnId) {
    if (!this.announcer || !columnId) return;
    const column = this.columnsById.get(columnId);
    let sentence = row.file;
    if (column) {
      const notes = cellNotes(row, columnId, this.marksOf(row.id).find(([field]) => field === columnId)?.[1]);
      const value = row["c_" + columnId] || "empty";
      sentence = column.label + ": " + value + (notes.length ? ". " + notes.map((n) => n.message).join(". ") : "") + ". " + row.file;
    }
    if (sentence !== this.lastAnnounced) {
      this.lastAnnounced = sentence;
      this.announcer.textContent = sentence;
    }
  }
}
