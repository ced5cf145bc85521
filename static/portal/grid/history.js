// Undo and redo for the grid: each step is every cell one action changed (a typed value, a paste,
// a fill down, a cleared range, a template), so one undo takes back the whole action.

export class History {
  constructor(limit = 100) {
    this.limit = limit;
    this.done = [];
    this.undone = [];
  }

  push(step) {
    if (!step.cells.length) return;
    this.done.push(step);
    if (this.done.length > this.limit) this.done.shift();
    this.undone = [];
  }

  takeUndo() {
    const step = this.done.pop();
    if (step) this.undone.push(step);
    return step;
  }

  takeRedo() {
    const step = this.undone.pop();
    if (step) this.done.push(step);
    return step;
  }

  get canUndo() { return this.done.length > 0; }
  get canRedo() { return this.undone.length > 0; }
}
