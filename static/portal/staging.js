// The batch page: drag-and-drop uploads with a progress bar per file, row selection and the bulk bar.
(function () {
  const csrf = () => (document.querySelector("[name=csrfmiddlewaretoken]") || {}).value;

  // --- uploads: one request per file so each has its own progress bar ---------------------
  const zone = document.querySelector("[data-dropzone]");
  const box = document.querySelector("[data-upload-url]");
  const list = document.querySelector("[data-upload-list]");
  const input = document.querySelector("[data-file-input]");
  let pending = 0;
  let added = 0;

  function uploadOne(file) {
    const item = document.createElement("li");
    item.innerHTML = '<span class="name"></span> <progress max="100" value="0"></progress> <span class="status small muted">waiting</span>';
    item.querySelector(".name").textContent = file.name;
    list.appendChild(item);
    const status = item.querySelector(".status");
    const bar = item.querySelector("progress");
    const max = Number(box.dataset.maxSize);
    if (file.size === 0) { status.textContent = "empty file: not added"; item.classList.add("failed"); return Promise.resolve(); }
    if (max && file.size > max) { status.textContent = "over the size limit: not added"; item.classList.add("failed"); return Promise.resolve(); }
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", box.dataset.uploadUrl);
      xhr.setRequestHeader("X-CSRFToken", csrf());
      xhr.upload.onprogress = (e) => { if (e.lengthComputable) { bar.value = (100 * e.loaded) / e.total; status.textContent = Math.round(bar.value) + "%"; } };
      xhr.onload = () => {
        let body = {};
        try { body = JSON.parse(xhr.responseText); } catch (e) { body = { ok: false, error: "Unexpected answer (" + xhr.status + ")" }; }
        if (body.ok) {
          bar.value = 100; added += 1;
          status.textContent = body.state === "ready" ? "added, ready" : "added: " + (body.problems || []).length + " problem(s) to fix";
          (body.notes || []).forEach((n) => { const note = document.createElement("div"); note.className = "small muted"; note.textContent = n; item.appendChild(note); });
          item.classList.add("done");
        } else { status.textContent = body.error || "failed"; item.classList.add("failed"); }
        resolve();
      };
      xhr.onerror = () => { status.textContent = "network error: not added"; item.classList.add("failed"); resolve(); };
      const form = new FormData();
      form.append("file", file, file.name);
      xhr.send(form);
    });
  }

  async function uploadAll(files) {
    pending += files.length;
    // Three at a time: parallel enough to be quick, gentle on the server.
    const queue = Array.from(files);
    const workers = [0, 1, 2].map(async () => { while (queue.length) { await uploadOne(queue.shift()); pending -= 1; } });
    await Promise.all(workers);
    if (pending === 0 && added > 0) window.location.reload();
  }

  if (zone && box) {
    input.addEventListener("change", () => uploadAll(input.files));
    ["dragenter", "dragover"].forEach((t) => zone.addEventListener(t, (e) => { e.preventDefault(); zone.classList.add("over"); }));
    ["dragleave", "drop"].forEach((t) => zone.addEventListener(t, (e) => { e.preventDefault(); zone.classList.remove("over"); }));
    zone.addEventListener("drop", (e) => uploadAll(e.dataTransfer.files));
  }

  // --- selection and the bulk bar ---------------------------------------------------------
  const form = document.querySelector("[data-grid-form]");
  if (form) {
    const boxes = () => Array.from(form.querySelectorAll('input[name="documents"]'));
    const counter = form.querySelector("[data-selected-count]");
    const refresh = () => { if (counter) counter.textContent = boxes().filter((b) => b.checked).length + " selected"; };
    const all = form.querySelector("[data-select-all]");
    if (all) all.addEventListener("change", () => { boxes().forEach((b) => { b.checked = all.checked; }); refresh(); });
    form.addEventListener("change", refresh);
    const select = form.querySelector("[data-field-select]");
    const value = form.querySelector("[data-value-input]");
    if (select && value) {
      select.addEventListener("change", () => {
        const option = select.selectedOptions[0];
        const kind = option ? option.dataset.kind : "";
        value.type = kind === "date" ? "date" : kind === "number" ? "number" : "text";
        if (option && option.dataset.list && document.getElementById(option.dataset.list)) value.setAttribute("list", option.dataset.list);
        else value.removeAttribute("list");
        value.placeholder = {
          multi: "Codes separated by ;",
          person: "Type a name or e-mail",
          people: "Names or e-mails separated by ;",
          date: "",
        }[kind] || "Value (code or label)";
      });
    }
    form.addEventListener("submit", (e) => {
      const button = e.submitter;
      if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) e.preventDefault();
    });
  }
  document.querySelectorAll("[data-confirm-form]").forEach((f) => f.addEventListener("submit", (e) => {
    if (!window.confirm(f.dataset.confirmForm)) e.preventDefault();
  }));
})();
