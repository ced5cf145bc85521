// Live progress of a batch submit: poll the JSON status while it runs, update counts and rows in
// place, and reload once when it ends (so the retry forms appear).
(function () {
  const panel = document.querySelector("[data-progress]");
  if (!panel || !panel.dataset.statusUrl || panel.dataset.finished === "true") return;
  const text = (selector, value) => { const node = panel.querySelector(selector); if (node) node.textContent = value; };
  function seconds(value) {
    if (value === null || value === undefined) return "";
    const s = Math.round(value);
    return s >= 90 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
  }
  function render(report) {
    text("[data-step]", report.submission ? (report.submission.step || report.submission.state) : "");
    text("[data-elapsed]", report.elapsed_seconds !== null ? `${seconds(report.elapsed_seconds)} elapsed` : "");
    text("[data-estimate]", report.estimate_seconds ? `· about ${seconds(report.estimate_seconds)} left` : "");
    const counts = panel.querySelector("[data-counts]");
    counts.replaceChildren(...Object.entries(report.steps).map(([label, count]) => {
      const item = document.createElement("li");
      const name = document.createElement("span");
      name.className = "muted";
      name.textContent = label;
      const number = document.createElement("strong");
      number.textContent = ` ${count}`;
      item.append(name, number);
      return item;
    }));
    for (const row of report.documents) {
      const line = document.querySelector(`tr[data-document-id="${row.id}"]`);
      if (!line) continue;
      line.className = `doc state-${row.state}`;
      const badge = line.querySelector("[data-cell=step] .badge");
      badge.className = `badge state-${row.state}`;
      badge.textContent = row.step;
      line.querySelector("[data-cell=message]").textContent = row.message;
      const revision = line.querySelector("[data-cell=revision]");
      if (row.revision_url && !revision.querySelector("a")) {
        const link = document.createElement("a");
        link.href = row.revision_url;
        link.textContent = `version ${row.version}`;
        revision.replaceChildren(link);
      }
    }
  }
  async function poll() {
    try {
      const response = await fetch(panel.dataset.statusUrl, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const report = await response.json();
        render(report);
        if (report.finished) { window.location.reload(); return; }
      }
    } catch (error) { /* keep polling: the next answer may come */ }
    setTimeout(poll, 1000);
  }
  setTimeout(poll, 500);
})();
