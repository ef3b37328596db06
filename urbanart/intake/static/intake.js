// Hand-in page: with JavaScript, each chosen file goes up first as a resumable tus upload
// (core + creation-with-upload + termination, https://tus.io/protocols/resumable-upload), in
// chunks, and a dropped connection resumes from the offset the hub reports (HEAD). The hub
// checks each complete file (the import guard) while the next one uploads; the page asks for
// each verdict (GET on the upload), shows "checking…" until it has them all and a refusal next
// to its file. The form is then posted as without JavaScript, naming the uploads instead of
// carrying the files.
// Why not tus-js-client: the page loads nothing from elsewhere and needs the protocol's core
// only (about 80 lines); the server side is checked against the spec by the tests.
"use strict";
(function () {
  const form = document.getElementById("hand-in");
  if (!form || !window.fetch) return;
  const CHUNK = parseInt(form.dataset.chunkBytes, 10) || 16 * 1024 * 1024;
  const RETRIES = 8;
  const csrf = form.querySelector("input[name=csrf]").value;
  const endpoint = form.dataset.uploads;
  const status = document.getElementById("upload-status");
  const base = { "Tus-Resumable": "1.0.0", "X-CSRF-Token": csrf };

  function b64(text) {
    return btoa(unescape(encodeURIComponent(text)));
  }
  function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
  function showError(input, text) {
    let p = document.getElementById(input.id + "-error");
    if (!p) {
      p = document.createElement("p");
      p.className = "error";
      p.id = input.id + "-error";
      p.setAttribute("role", "alert");
      input.insertAdjacentElement("afterend", p);
    }
    p.textContent = text;
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", p.id);
  }
  async function reason(response) {
    try {
      const body = await response.json();
      return body.detail || body.error;
    } catch (e) {
      return "the upload failed (" + response.status + ")";
    }
  }
  async function offsetOf(url) {
    const r = await fetch(url, { method: "HEAD", headers: base, credentials: "same-origin" });
    if (!r.ok) throw new Error("the upload is gone (" + r.status + ")");
    return parseInt(r.headers.get("Upload-Offset"), 10);
  }
  async function create(file) {
    // creation-with-upload: the first chunk rides in the creation request (a file of up to a
    // chunk is one request). A dropped creation leaves nothing on the hub: create it again.
    let failures = 0;
    for (;;) {
      try {
        return await fetch(endpoint, {
          method: "POST",
          credentials: "same-origin",
          headers: Object.assign({}, base, {
            "Upload-Length": String(file.size),
            "Upload-Metadata": "filename " + b64(file.name),
            "Content-Type": "application/offset+octet-stream",
          }),
          body: file.slice(0, CHUNK),
        });
      } catch (dropped) {
        if (++failures > RETRIES) throw new Error("the connection keeps dropping; try again later");
        status.textContent = "Connection lost; resuming…";
        await sleep(300 * failures);
      }
    }
  }
  async function upload(input, progress) {
    const file = input.files[0];
    const created = await create(file);
    if (created.status !== 201) throw new Error(await reason(created));
    const url = created.headers.get("Location");
    let offset = parseInt(created.headers.get("Upload-Offset"), 10) || 0;
    let failures = 0;
    progress.value = Math.round((100 * offset) / Math.max(file.size, 1));
    progress.hidden = false;
    while (offset < file.size) {
      let response;
      try {
        response = await fetch(url, {
          method: "PATCH",
          credentials: "same-origin",
          headers: Object.assign({}, base, {
            "Upload-Offset": String(offset),
            "Content-Type": "application/offset+octet-stream",
          }),
          body: file.slice(offset, offset + CHUNK),
        });
      } catch (dropped) {
        if (++failures > RETRIES) throw new Error("the connection keeps dropping; try again later");
        status.textContent = "Connection lost; resuming…";
        await sleep(300 * failures);
        offset = await offsetOf(url);
        continue;
      }
      if (response.status === 409) {
        offset = await offsetOf(url);
        continue;
      }
      if (response.status !== 204) throw new Error(await reason(response));
      offset = parseInt(response.headers.get("Upload-Offset"), 10);
      progress.value = Math.round((100 * offset) / Math.max(file.size, 1));
    }
    return url;
  }
  async function verdict(url) {
    // Answered once the hub's guard has checked the file: 200, or 422 with the reason.
    let failures = 0;
    for (;;) {
      try {
        const r = await fetch(url, { headers: base, credentials: "same-origin" });
        if (r.ok) return null;
        return await reason(r);
      } catch (dropped) {
        if (++failures > RETRIES) return "the file could not be checked; try again later";
        await sleep(300 * failures);
      }
    }
  }

  form.addEventListener("submit", async (event) => {
    // The works go up by tus; a generative work's small optional still rides in the form post.
    const picked = form.querySelectorAll("input[type=file][name$='-file']");
    const inputs = Array.from(picked).filter((i) => i.files.length);
    if (!inputs.length) return; // nothing to upload: the plain POST carries the form
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    let failed = false;
    const checks = [];
    for (const input of inputs) {
      const progress = document.getElementById(input.id.replace(/-file$/, "-progress"));
      status.textContent = "Uploading " + input.files[0].name + "…";
      try {
        const url = await upload(input, progress);
        checks.push({ input: input, url: url, verdict: verdict(url) });
      } catch (error) {
        failed = true;
        showError(input, error.message);
      }
    }
    status.textContent = "Uploaded; checking the files…";
    for (const check of checks) {
      const refusal = await check.verdict;
      if (refusal) {
        failed = true;
        showError(check.input, refusal);
        continue;
      }
      const name = check.input.name.replace(/-file$/, "-upload");
      let hidden = form.querySelector("input[type=hidden][name='" + name + "']");
      if (!hidden) {
        hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = name;
        form.appendChild(hidden);
      }
      hidden.value = check.url.split("/").pop();
      check.input.value = "";
    }
    button.disabled = false;
    if (failed) {
      status.textContent = "Some files were not accepted; see the messages next to them.";
      return;
    }
    status.textContent = "Uploaded; handing in…";
    form.submit();
  });
})();
