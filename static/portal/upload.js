// Adding files to a batch. Uppy (static/vendor/uppy-5.2.4) sends each file in parts through the
// portal's upload protocol (portal/staging/views_incoming.py): the portal starts a multipart upload
// (for all the files added at once, in one request) and signs each part; the parts go straight to
// object storage (or, on local disk, to the portal); once all are sent, a worker joins them and
// checks the file, and this page asks what became of it. Golden Retriever keeps the files in the
// browser, so after a reload or a dropped connection sending carries on from the last part storage
// holds. This file only draws the list.
(function () {
  const box = document.querySelector("[data-uploader]");
  if (!box || !window.Uppy) return;
  const { Uppy, AwsS3, GoldenRetriever, DropTarget } = window.Uppy;

  const MiB = 1024 * 1024;
  const batch = box.dataset.batch;
  const configuredPart = Number(box.dataset.partSize) || 16 * MiB;
  const list = box.querySelector("[data-upload-list]");
  const refusedList = box.querySelector("[data-refused-list]");
  const summary = box.querySelector("[data-upload-summary]");
  const overall = box.querySelector("[data-upload-overall]");
  const overallBar = box.querySelector("[data-upload-progress]");
  const input = box.querySelector("[data-file-input]");
  const storeKey = (what) => "portal-upload-" + what + "-" + batch;

  // The same rule as the portal (incoming/service.py part_size_for): whole MiB, at most 10,000 parts.
  const partSizeFor = (size) => Math.max(configuredPart, Math.ceil(size / 10000 / MiB) * MiB, 5 * MiB);

  function csrf() {
    const field = document.querySelector("[name=csrfmiddlewaretoken]");
    if (field) return field.value;
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // A refusal from the portal is a sentence for the person; Uppy retries only what has a status >= 500.
  async function call(method, url, body, signal) {
    let answer;
    try {
      answer = await fetch(url, {
        method,
        signal,
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf() },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      if (error.name === "AbortError") throw error;
      const failed = new Error("The portal could not be reached. Check the connection; sending carries on when you retry.");
      failed.source = { status: 503 };
      throw failed;
    }
    let data = {};
    try { data = await answer.json(); } catch (e) { data = {}; }
    if (!answer.ok || data.ok === false) {
      const failed = new Error(data.error || "The portal answered " + answer.status + ".");
      failed.source = { status: answer.status };
      failed.refused = answer.status >= 400 && answer.status < 500;
      throw failed;
    }
    return data;
  }

  const uploadUrl = (key, what) => box.dataset.createUrl + key + "/" + what + "/";

  // Signed part URLs, fetched 20 at a time; each is used once, so a retried part gets a fresh one.
  const signed = new Map();
  function remember(key, parts) {
    parts.forEach((p) => signed.set(key + ":" + p.number, Promise.resolve(p)));
  }
  function signedPart(key, number, partCount, signal) {
    const id = key + ":" + number;
    if (!signed.has(id)) {
      const numbers = [];
      for (let n = number; n <= partCount && numbers.length < 20; n++) {
        if (n === number || !signed.has(key + ":" + n)) numbers.push(n);
      }
      const request = call("POST", uploadUrl(key, "sign"), { parts: numbers }, signal).then((d) => d.parts);
      numbers.forEach((n) => signed.set(key + ":" + n, request.then((parts) => parts.find((p) => p.number === n))));
    }
    const promise = signed.get(id);
    signed.delete(id);
    return promise;
  }

  // Files added together are started together, up to 100 a request, as soon as they are added:
  // when Uppy reaches a file its upload and first part URLs are waiting (a request per file would
  // cost the web process more than everything else; the bytes go straight to storage).
  const starts = new Map(); // Uppy file id -> promise of the portal's answer for that file
  let startChain = Promise.resolve();
  const describe = (file) => ({ name: file.name, size: file.size, type: file.type || "", partSize: partSizeFor(file.size) });
  function startFiles(files) {
    // The first few alone, so sending begins at once; then up to 100 a request.
    for (let i = 0, take = 6; i < files.length; i += take, take = 100) {
      const chunk = files.slice(i, i + take);
      const answer = (startChain = startChain
        .catch(() => {})
        .then(() => call("POST", box.dataset.createUrl, { files: chunk.map(describe) })));
      chunk.forEach((file, index) => {
        const mine = answer.then((data) => data.files[index]);
        mine.catch(() => {}); // a failed start is told when Uppy asks for the file (createMultipartUpload)
        starts.set(file.id, mine);
      });
    }
  }
  async function started(file) {
    const waiting = starts.get(file.id);
    starts.delete(file.id); // used once: a retry starts the file afresh
    const data = waiting ? await waiting : await call("POST", box.dataset.createUrl, describe(file));
    if (!data.ok) {
      const refused = new Error(data.error);
      refused.refused = true;
      refused.source = { status: 400 };
      throw refused;
    }
    return data;
  }

  const uppy = new Uppy({ id: "batch-" + batch, autoProceed: true });
  uppy.use(DropTarget, { target: box.querySelector("[data-dropzone]") });
  // Files are kept in the browser (IndexedDB) until sent, so a reload or a crash loses nothing; past
  // these sizes a restored file must be chosen again, and then carries on from the parts storage holds.
  const maxSize = Number(box.dataset.maxSize) || 2 * 1024 * MiB;
  uppy.use(GoldenRetriever, { serviceWorker: false, indexedDB: { maxFileSize: maxSize, maxTotalSize: 8 * 1024 * MiB } });
  uppy.use(AwsS3, {
    shouldUseMultipart: true,
    limit: 6,
    getChunkSize: (data) => partSizeFor(data.size),
    async createMultipartUpload(file) {
      const data = await started(file);
      remember(data.key, data.parts);
      uppy.setFileMeta(file.id, { incomingId: data.id });
      return { uploadId: data.uploadId, key: data.key };
    },
    async signPart(file, { key, partNumber, signal }) {
      const part = await signedPart(key, partNumber, Math.max(1, Math.ceil(file.size / partSizeFor(file.size))), signal);
      return { method: "PUT", url: part.url, headers: part.headers };
    },
    async listParts(file, { key, signal }) {
      return (await call("GET", uploadUrl(key, "parts"), undefined, signal)).parts;
    },
    async completeMultipartUpload(file, { key, parts, signal }) {
      const data = await call("POST", uploadUrl(key, "complete"), { parts }, signal);
      checking.set(String(data.id), file.name);
      saveChecking();
      poll();
      return { location: "" };
    },
    async abortMultipartUpload(file, { key }) {
      await call("POST", uploadUrl(key, "abort"), {}).catch(() => {});
    },
  });

  // --- what the person sees -------------------------------------------------------------------
  const rows = new Map(); // Uppy file id -> <li>
  const outcome = new Map(); // Uppy file id -> "added" | "checking"
  const checking = new Map(JSON.parse(localStorage.getItem(storeKey("checking")) || "[]")); // incoming id -> name
  let refused = JSON.parse(localStorage.getItem(storeKey("refused")) || "[]");
  let addedCount = 0;

  const saveChecking = () => localStorage.setItem(storeKey("checking"), JSON.stringify(Array.from(checking)));
  const saveRefused = () => localStorage.setItem(storeKey("refused"), JSON.stringify(refused));

  function button(text, label, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "button small";
    b.textContent = text;
    b.setAttribute("aria-label", label);
    b.addEventListener("click", onClick);
    return b;
  }

  function row(file) {
    let item = rows.get(file.id);
    if (!item) {
      item = document.createElement("li");
      item.innerHTML = '<span class="name"></span> <progress max="100" value="0"></progress> <span class="status small muted"></span> <span class="actions"></span>';
      item.querySelector(".name").textContent = file.name;
      item.querySelector("progress").setAttribute("aria-label", file.name);
      rows.set(file.id, item);
      list.appendChild(item);
    }
    return item;
  }

  function setStatus(file, text, kind) {
    const item = row(file);
    item.querySelector(".status").textContent = text;
    item.className = kind || "";
  }

  function setActions(file, buttons) {
    const holder = row(file).querySelector(".actions");
    holder.replaceChildren(...buttons);
  }

  function renderRefused() {
    refusedList.replaceChildren(
      ...refused.map((entry, index) => {
        const item = document.createElement("li");
        item.className = "failed";
        const text = document.createElement("span");
        text.textContent = entry.message;
        item.appendChild(text);
        item.appendChild(
          button("Dismiss", "Dismiss the message about " + entry.name, () => {
            refused.splice(index, 1);
            saveRefused();
            renderRefused();
            (refusedList.querySelector("button") || box.querySelector("[data-choose]")).focus();
          }),
        );
        return item;
      }),
    );
  }

  function refuse(name, message) {
    refused.push({ name, message });
    saveRefused();
    renderRefused();
  }

  function renderSummary() {
    const files = uppy.getFiles();
    const total = files.length;
    if (!total && !checking.size) {
      summary.hidden = true;
      return;
    }
    const done = files.filter((f) => outcome.get(f.id) === "added").length;
    const sending = files.filter((f) => !f.progress.uploadComplete).length;
    summary.hidden = false;
    overall.textContent =
      done + " of " + total + " file" + (total === 1 ? "" : "s") + " added" +
      (sending ? " · " + sending + " sending" : "") +
      (checking.size ? " · " + checking.size + " being checked" : "");
    overallBar.value = uppy.getState().totalProgress || 0;
    summary.querySelector("[data-cancel-all]").hidden = sending === 0;
  }

  function fileById(id) {
    try { return uppy.getFile(id); } catch (e) { return null; }
  }

  uppy.on("files-added", (files) => {
    startFiles(files.filter((f) => !f.isGhost && !f.progress.uploadStarted && !f.s3Multipart));
  });
  uppy.on("file-added", (file) => {
    setStatus(file, "waiting");
    setActions(file, [button("Cancel", "Cancel " + file.name, () => uppy.removeFile(file.id))]);
    renderSummary();
  });
  uppy.on("upload-progress", (file, progress) => {
    const item = row(file);
    if (progress.bytesTotal) {
      const pct = Math.round((100 * progress.bytesUploaded) / progress.bytesTotal);
      item.querySelector("progress").value = pct;
      setStatus(file, pct + "%");
    }
    renderSummary();
  });
  uppy.on("upload-success", (file) => {
    row(file).querySelector("progress").value = 100;
    outcome.set(file.id, "checking");
    setStatus(file, "sent, being checked");
    setActions(file, []);
    renderSummary();
    poll();
  });
  uppy.on("upload-error", (file, error) => {
    if (error && error.refused) {
      // The portal said no: the message stays until dismissed, and the file leaves Uppy (nothing to resume).
      refuse(file.name, error.message);
      uppy.removeFile(file.id);
      return;
    }
    setStatus(file, (error && error.message) || "Sending stopped.", "failed");
    setActions(file, [
      button("Retry", "Retry " + file.name, () => uppy.retryUpload(file.id)),
      button("Remove", "Remove " + file.name, () => uppy.removeFile(file.id)),
    ]);
    renderSummary();
  });
  uppy.on("file-removed", (file) => {
    const waiting = starts.get(file.id);
    if (waiting) {
      // Started for it, never handed to Uppy: storage forgets it now rather than at the sweep.
      starts.delete(file.id);
      waiting.then((data) => data.ok && call("POST", uploadUrl(data.key, "abort"), {})).catch(() => {});
    }
    const item = rows.get(file.id);
    if (item && outcome.get(file.id) !== "added") {
      // A keyboard user who pressed Cancel keeps their place: the next file's button, else "Choose files".
      if (item.contains(document.activeElement)) {
        const near = [item.nextElementSibling, item.previousElementSibling].find((li) => li && li.querySelector("button"));
        (near ? near.querySelector("button") : box.querySelector("[data-choose]")).focus();
      }
      item.remove();
    }
    rows.delete(file.id);
    renderSummary();
  });
  uppy.on("restored", () => {
    uppy.getFiles().forEach((file) => {
      if (file.isGhost) {
        setStatus(file, "choose this file again to carry on sending it", "failed");
        setActions(file, [button("Remove", "Remove " + file.name, () => uppy.removeFile(file.id))]);
      } else if (!file.progress.uploadComplete) {
        setStatus(file, "carrying on");
        setActions(file, [button("Cancel", "Cancel " + file.name, () => uppy.removeFile(file.id))]);
      }
    });
    renderSummary();
    uppy.emit("restore-confirmed"); // carry on at once: the person chose these files already
  });

  // --- the worker's verdict: added, or refused (a copy of a file already in the batch) -------------
  let polling = false;
  async function poll() {
    if (polling || !checking.size) return;
    polling = true;
    try {
      while (checking.size) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        let data;
        try {
          data = await call("GET", box.dataset.statesUrl + "?ids=" + Array.from(checking.keys()).join(","));
        } catch (e) {
          continue;
        }
        data.files.forEach((info) => {
          const file = uppy.getFiles().find((f) => String(f.meta.incomingId) === String(info.id));
          if (info.state !== "added" && info.state !== "refused" && info.state !== "cancelled") {
            // The task queue is down: the file is stored and will be checked when it is back.
            if (file && info.waiting) setStatus(file, info.waiting);
            return;
          }
          checking.delete(String(info.id));
          if (info.state === "added") {
            addedCount += 1;
            if (file) {
              outcome.set(file.id, "added");
              const problems = (info.document && info.document.problems.length) || 0;
              setStatus(file, problems ? "added: " + problems + " problem(s) to fix" : "added, ready", "done");
              (info.notes || []).forEach((text) => {
                const note = document.createElement("div");
                note.className = "small muted";
                note.textContent = text;
                row(file).appendChild(note);
              });
            }
          } else {
            refuse(info.name, info.error || info.name + " was not added.");
            if (file) uppy.removeFile(file.id);
          }
        });
        saveChecking();
        renderSummary();
      }
    } finally {
      polling = false;
    }
    finishIfDone();
  }

  function finishIfDone() {
    const busy = uppy.getFiles().some((f) => !f.progress.uploadComplete && !f.error) || checking.size;
    if (busy) return;
    if (addedCount > 0) {
      // The new documents appear in the table below; any refusal stays listed (it is kept until dismissed).
      // Golden Retriever saves its state at most twice a second: let it forget the sent files first.
      uppy.getFiles().forEach((f) => { if (f.progress.uploadComplete) uppy.removeFile(f.id); });
      setTimeout(() => window.location.reload(), 1200);
    }
  }

  // --- choosing files, by mouse or keyboard -------------------------------------------------------
  function addFiles(files) {
    // Together, so they are started together (files-added); a file Uppy already has is skipped.
    try {
      uppy.addFiles(Array.from(files).map((data) => ({ name: data.name, type: data.type, data, source: "Local" })));
    } catch (error) {
      (error.errors || [error]).forEach((e) => refuse(e.file ? e.file.name : "", e.message));
    }
  }
  box.querySelector("[data-choose]").addEventListener("click", () => input.click());
  input.addEventListener("change", () => { addFiles(input.files); input.value = ""; });
  box.querySelector("[data-cancel-all]").addEventListener("click", () => {
    uppy.cancelAll();
    rows.forEach((item, id) => { if (outcome.get(id) !== "added") item.remove(); });
    renderSummary();
  });

  renderRefused();
  renderSummary();
  poll();
  box.dataset.ready = "true"; // files given from now on are taken (what a test waits for)
})();
