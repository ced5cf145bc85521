// Live progress of a project sync: poll its status while it runs, reload when it ends.
(function () {
  const panel = document.querySelector("[data-sync-panel]");
  if (!panel || !panel.dataset.statusUrl) return;
  const label = panel.querySelector("[data-sync-state]");
  async function poll() {
    try {
      const response = await fetch(panel.dataset.statusUrl, { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const run = await response.json();
      if (run.finished) { window.location.reload(); return; }
      label.textContent = `${run.state_label}${run.step ? ": " + run.step : ""} · ${run.items_seen} items · ${run.api_calls} Procore calls`;
    } catch (error) { /* keep polling: the next answer may come */ }
    setTimeout(poll, 1000);
  }
  setTimeout(poll, 500);
})();
