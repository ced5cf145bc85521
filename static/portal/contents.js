// The batch page: rows whose documents are still being read are fetched again, rendered by the
// server as on the page, and swapped in as each reading finishes (thumbnail, title-block values,
// conflicts) — no reload. A row whose document is gone (a zip expanded into its files) reloads
// the page once, to show the documents that replaced it.
(function () {
  const script = document.currentScript;
  const url = script && script.dataset.rowsUrl;
  if (!url) return;
  let delay = 1500;

  function readingIds() {
    return Array.from(document.querySelectorAll("tr.doc[data-reading]")).map((row) => row.dataset.documentId);
  }

  async function poll() {
    const ids = readingIds();
    if (!ids.length) return;
    let body;
    try {
      const answer = await fetch(url + "?ids=" + ids.join(","), { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!answer.ok) throw new Error(String(answer.status));
      body = await answer.json();
    } catch (e) {
      delay = Math.min(delay * 2, 30000);
      window.setTimeout(poll, delay);
      return;
    }
    const returned = new Set(body.rows.map((r) => String(r.id)));
    if (ids.some((id) => !returned.has(id))) { window.location.reload(); return; }
    body.rows.forEach((item) => {
      if (item.reading) return;
      const row = document.querySelector('tr.doc[data-document-id="' + item.id + '"]');
      if (!row) return;
      const checked = row.querySelector('input[name="documents"]') && row.querySelector('input[name="documents"]').checked;
      const holder = document.createElement("tbody");
      holder.innerHTML = item.html.trim();
      const fresh = holder.querySelector("tr");
      if (!fresh) return;
      if (checked) fresh.querySelector('input[name="documents"]').checked = true;
      row.replaceWith(fresh);
    });
    if (body.summary !== undefined) {
      const old = document.querySelector(".contents-summary");
      const holder = document.createElement("div");
      holder.innerHTML = body.summary.trim();
      const fresh = holder.firstElementChild;
      if (old && fresh) old.replaceWith(fresh);
      else if (old) old.remove();
      else if (fresh) document.querySelector(".page-head").after(fresh);
    }
    delay = 1500;
    if (readingIds().length) window.setTimeout(poll, delay);
  }

  window.setTimeout(poll, delay);
})();
