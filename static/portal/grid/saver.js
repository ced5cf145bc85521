// Automatic, batched saving: changes wait a moment so a burst of edits goes in one request, one
// request is in flight at a time, and what arrives meanwhile goes in the next. A paste of hundreds
// of cells is one request. Network failures are retried; the person sees saved / saving / failed.

const QUIET_MS = 250;
const RETRY_MS = [1000, 2000, 5000, 10000, 30000];

export class Saver {
  constructor({ url, csrf, versionOf, onAnswer, onRejected, onState }) {
    this.url = url;
    this.csrf = csrf;
    this.versionOf = versionOf;
    this.onAnswer = onAnswer;
    this.onRejected = onRejected;
    this.onState = onState;
    this.pending = new Map(); // "document:field" -> change; the latest change of a cell wins
    this.inFlight = null;
    this.timer = null;
    this.failures = 0;
    this.requests = 0;
  }

  get busy() { return this.pending.size > 0 || this.inFlight !== null; }

  add(changes, { now = false } = {}) {
    changes.forEach((change) => this.pending.set(change.document + ":" + change.field, change));
    if (!this.pending.size) return;
    this.onState("saving");
    clearTimeout(this.timer);
    if (now) this.flush();
    else this.timer = setTimeout(() => this.flush(), QUIET_MS);
  }

  flush() {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.inFlight || !this.pending.size) return this.inFlight || Promise.resolve();
    const sent = Array.from(this.pending.values());
    this.pending.clear();
    const body = {
      changes: sent.map((c) => {
        const item = { document: c.document, version: this.versionOf(c.document), field: c.field };
        if (c.values) item.values = c.values; else item.text = c.text;
        return item;
      }),
    };
    this.onState("saving");
    this.requests += 1;
    this.inFlight = fetch(this.url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": this.csrf, Accept: "application/json" },
      credentials: "same-origin",
      body: JSON.stringify(body),
    })
      .then(async (response) => {
        let answer = null;
        try { answer = await response.json(); } catch (e) { answer = null; }
        if (response.ok && answer) {
          this.failures = 0;
          this.onAnswer(answer, sent);
        } else if (response.status >= 400 && response.status < 500) {
          // The server refused the request itself (locked batch, signed out): retrying cannot help.
          const message = (answer && answer.error) || (response.status === 403 ? "You are signed out or may not change this batch." : "The portal refused the change.");
          this.onRejected(sent, message, response.status);
          this.inFlight = null;
          this.onState("failed", message);
          return;
        } else {
          throw new Error("The portal answered " + response.status);
        }
        this.inFlight = null;
        this.afterRequest();
      })
      .catch((error) => {
        this.inFlight = null;
        // Put the changes back (unless the cell was changed again meanwhile) and try again later.
        sent.forEach((change) => {
          const key = change.document + ":" + change.field;
          if (!this.pending.has(key)) this.pending.set(key, change);
        });
        const wait = RETRY_MS[Math.min(this.failures, RETRY_MS.length - 1)];
        this.failures += 1;
        this.onState("failed", "Not saved yet: the portal could not be reached. Trying again in " + Math.round(wait / 1000) + " s.");
        this.timer = setTimeout(() => this.flush(), wait);
        void error;
      });
    return this.inFlight;
  }

  afterRequest() {
    if (this.pending.size) this.flush();
    else this.onState("saved");
  }
}
