/* Urban Art web player: plays one screen's signed manifest in a browser, online or offline.
   Plain JavaScript, no build step, no external scripts. The rules match urbanart/player:
   the pinned Ed25519 key (trust on first use) must sign every manifest, or a new key it announced
   (key rotation); a genuine manifest is still refused when it is for another screen, not newer
   than the one held (rollback) or expired (freeze), as urbanart/protocol/freshness.py says; what
   shows is a pure function of the device clock (docs/published-tree.md, "Which item plays
   when"); a new manifest only takes over once all its media are cached and verified, and an
   image is shown from exactly the bytes that were verified (a blob URL), its QR code drawn from
   the signed rows in the manifest; reports wait in localStorage. */
"use strict";
(() => {
  const VERSION = "urbanart-web-player/0.1.0";
  const params = new URLSearchParams(location.search);
  const token = params.get("token") || "";
  const ROOT = new URL("../", location.href);
  const KEY_STORE = "urbanart.player.pinnedKey";
  const MANIFEST_STORE = "urbanart.player.manifest." + token;
  const PLAYS_STORE = "urbanart.player.plays." + token;
  const BEATS_STORE = "urbanart.player.heartbeats." + token;
  const MEDIA_CACHE = "urbanart-media-v1";
  const BATCH = 500, MAX_PLAYS = 20000, MAX_BEATS = 50, MAX_ERRORS = 20;
  const FORMAT_VERSION = 2, QUIET_ZONE = 4;

  const $ = (id) => document.getElementById(id);
  const layers = [$("layer-a"), $("layer-b")];
  let front = 0;
  let key = null;           // CryptoKey of the pinned public key
  let keyId = null;
  let current = null;       // {text, payload}
  let onScreen = null;      // {key, item, playlist, since, endsAt, version}
  let errors = [];          // since the last heartbeat
  let recent = [];          // the last few, for diagnostics
  let failures = 0, notBefore = 0, pollTimer = null, tickTimer = null;
  let preparing = null;
  let refused = null;       // the last manifest refused: {reason, source, detail, at}
  const blobUrls = new Map();  // sha256 -> blob: URL of the verified bytes
  const qrUrls = new Map();    // mobile_url -> blob: URL of the QR drawn from the signed rows

  // Small helpers -------------------------------------------------------------------------------

  const rootUrl = (path) => new URL(String(path).replace(/^\//, ""), ROOT).href;
  const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");
  const iso = (ms) => new Date(ms).toISOString();
  const parseInstant = (text) => Date.parse(text);
  const durationMs = (item) => Math.max(1, Math.round(Number(item.duration_s) * 1000));
  const mod = (a, n) => ((a % n) + n) % n;

  function error(message) {
    console.warn("urbanart player:", message);
    errors.push(String(message).slice(0, 500));
    if (errors.length > MAX_ERRORS) errors = errors.slice(-MAX_ERRORS);
    recent = recent.concat([String(message)]).slice(-MAX_ERRORS);
  }

  // The screen's language: ?lang=ja,en in the address, else the device's. Its fixed words come
  // from player/strings.json (the catalogues, written at publish); English until they arrive.
  const STRINGS_STORE = "urbanart.player.strings";
  const wantedLangs = (params.get("lang") || (navigator.languages || []).join(","))
    .split(",").map((l) => l.trim().toLowerCase().split("-")[0]).filter(Boolean);
  let words = load(STRINGS_STORE, null);
  async function loadWords() {
    try {
      const response = await fetch(rootUrl("player/strings.json"), { cache: "no-cache" });
      if (!response.ok) return;
      const all = await response.json();
      const lang = wantedLangs.find((l) => all[l]) || "en";
      words = Object.assign({ lang }, all[lang]);
      save(STRINGS_STORE, words);
      document.documentElement.lang = lang;
    } catch (e) { /* offline: the words kept from last time, or English */ }
  }
  function say(key, english, values) {
    const text = (words && words.notices && words.notices[key]) || english;
    return text.replace(/\{(\w+)\}/g, (whole, name) => (values && name in values ? values[name] : whole));
  }

  function notice(text) {
    const el = $("notice");
    el.textContent = text || "";
    el.hidden = !text;
  }

  function load(name, fallback) {
    try { const v = localStorage.getItem(name); return v === null ? fallback : JSON.parse(v); }
    catch (e) { return fallback; }
  }
  function save(name, value) {
    try { localStorage.setItem(name, JSON.stringify(value)); }
    catch (e) { error("local storage full: " + e.name); }
  }

  function base64Bytes(text) {
    const bin = atob(text);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  // The pinned key (trust on first use) ---------------------------------------------------------

  function pemBody(pem) {
    const m = /-----BEGIN PUBLIC KEY-----([\s\S]+?)-----END PUBLIC KEY-----/.exec(pem);
    if (!m) throw new Error("the signing key is not a PEM public key");
    return base64Bytes(m[1].replace(/\s+/g, ""));
  }

  async function importKey(pem) {
    const der = pemBody(pem);
    return {
      key: await crypto.subtle.importKey("spki", der, { name: "Ed25519" }, false, ["verify"]),
      id: hex(await crypto.subtle.digest("SHA-256", der.slice(der.length - 32))).slice(0, 16),
      pem,
    };
  }

  async function pinKey() {
    let pem = localStorage.getItem(KEY_STORE);
    if (!pem) {
      const response = await fetch(rootUrl("keys/manifest-signing.pub"), { cache: "no-cache" });
      if (!response.ok) throw new Error("cannot fetch the signing key (HTTP " + response.status + ")");
      pem = await response.text();
      pemBody(pem);  // refuse to pin something that is not a key
      localStorage.setItem(KEY_STORE, pem);
    }
    const pinned = await importKey(pem);
    key = pinned.key;
    keyId = pinned.id;
  }

  // A refusal names its reason as urbanart/protocol/freshness.py's Reason does.
  function refusal(reason, message) {
    const e = new Error(message);
    e.reason = reason;
    return e;
  }

  const utf8 = (text) => new TextEncoder().encode(text);

  // Canonical JSON of the key announcement's signed message (keys sorted, no spaces).
  const announcementMessage = (pem, previous) => utf8(JSON.stringify(
    { format: "urbanart.key-announcement", previous_key_id: previous, public_key: pem }));

  // The key that must have signed this envelope: the pinned one, or a new key the pinned one
  // announced (key rotation). Returns {key, id, pem|null}; pem is set for a new key.
  async function signerOf(doc) {
    if (doc.key_id === keyId) return { key, id: keyId, pem: null };
    let unverified = null;
    try { unverified = JSON.parse(doc.payload); } catch (e) { /* refused below */ }
    const a = unverified && unverified.key_announcement;
    if (!a) throw refusal("bad-signature", "signed by key " + doc.key_id + ", not the pinned " + keyId);
    if (a.previous_key_id !== keyId) {
      throw refusal("bad-signature", "the key announcement comes from key " + a.previous_key_id + ", not the pinned " + keyId);
    }
    const ok = await crypto.subtle.verify(
      { name: "Ed25519" }, key, base64Bytes(a.signature), announcementMessage(a.public_key, keyId));
    if (!ok) throw refusal("bad-signature", "the key announcement is not signed by the pinned key");
    const announced = await importKey(a.public_key);
    if (announced.id !== a.key_id || announced.id !== doc.key_id) {
      throw refusal("bad-signature", "the announced key " + announced.id + " did not sign this manifest");
    }
    return announced;
  }

  // {payload, newKeyPem}: the payload of a genuine manifest of the format this player knows.
  async function verify(text) {
    let doc;
    try { doc = JSON.parse(text); } catch (e) { throw refusal("bad-signature", "the manifest is not JSON"); }
    const fields = ["format", "key_id", "signature", "payload"];
    if (!doc || typeof doc !== "object" || Object.keys(doc).length !== 4 ||
        !fields.every((f) => typeof doc[f] === "string")) {
      throw refusal("bad-signature", "the manifest is not a signed envelope");
    }
    if (doc.format !== "urbanart.manifest.signed") throw refusal("bad-signature", "unknown envelope format");
    const signer = await signerOf(doc);
    const ok = await crypto.subtle.verify(
      { name: "Ed25519" }, signer.key, base64Bytes(doc.signature), utf8(doc.payload));
    if (!ok) throw refusal("bad-signature", "the manifest signature does not match; it was altered");
    const payload = JSON.parse(doc.payload);
    if (payload.format !== "urbanart.manifest" || payload.version !== FORMAT_VERSION) {
      throw refusal("invalid", "manifest version " + payload.version + " is unknown to this player");
    }
    return { payload, newKeyPem: signer.pem };
  }

  // Genuine is not enough: this screen's own, newer than what it holds, not expired.
  function checkAdmissible(payload, held) {
    const own = "/api/v1/screens/" + token + "/";
    const hub = payload.hub || {};
    if (hub.heartbeat !== own + "heartbeat" || hub.plays !== own + "plays" ||
        (held && payload.screen.id !== held.screen.id)) {
      throw refusal("other-screen", "the manifest is for screen " + payload.screen.id + " (" + payload.screen.name + "), not this one");
    }
    if (held && payload.manifest_version === held.manifest_version) return;
    if (held && !(Number(payload.sequence) > Number(held.sequence))) {
      throw refusal("rollback", "the manifest has sequence " + payload.sequence + ", not above the held " + held.sequence);
    }
    if (!(parseInstant(payload.expires) > Date.now())) {
      throw refusal("expired", "the manifest expired at " + payload.expires);
    }
  }

  function refuse(e, source) {
    refused = { reason: e.reason || "bad-signature", source, detail: String(e.message).slice(0, 300), at: iso(Date.now()) };
    error(source + " manifest refused (" + refused.reason + "): " + e.message);
  }

  // The clock rule (same as urbanart/player/timeline.py) ---------------------------------------

  function cycle(payload, playlistId, anchor, at, limit) {
    const playlist = playlistId ? (payload.playlists || {})[playlistId] : null;
    const items = playlist ? playlist.items : [];
    if (!items.length) return { item: null, nextChange: limit };
    const lengths = items.map(durationMs);
    const total = lengths.reduce((a, b) => a + b, 0);
    let offset = mod(at - anchor, total), index = 0;
    while (offset >= lengths[index]) { offset -= lengths[index]; index += 1; }
    const startedAt = at - offset, endsAt = startedAt + lengths[index];
    return {
      item: items[index], index, playlistId, playlistName: playlist.name, startedAt, endsAt,
      nextChange: limit === null ? endsAt : Math.min(endsAt, limit),
    };
  }

  function showingAt(payload, at) {
    for (const s of payload.timeline) {
      const start = parseInstant(s.start), end = parseInstant(s.end);
      if (start <= at && at < end) return cycle(payload, s.playlist, start, at, end);
    }
    const from = parseInstant(payload.window.from), until = parseInstant(payload.window.until);
    if (at < from) return cycle(payload, payload.default_playlist, from, at, from);
    return cycle(payload, payload.default_playlist, until, at, null);
  }

  function whatPlays(payload, at) {
    const now = showingAt(payload, at);
    if (!now.item) return now;
    const t = now.item.transition || {};
    const fadeMs = Math.round(Number(t.seconds || 0) * 1000);
    if (t.type !== "crossfade" || fadeMs <= 0 || at - now.startedAt >= fadeMs) return now;
    const before = showingAt(payload, now.startedAt - 1).item;
    if (!before) return now;
    return Object.assign({}, now, {
      fadeRemaining: now.startedAt + fadeMs - at, previous: before,
      nextChange: Math.min(now.nextChange, now.startedAt + fadeMs),
    });
  }

  // Media: Cache API, verified by sha256 and size ----------------------------------------------

  function mediaOf(payload) {
    const found = new Map();
    for (const p of Object.values(payload.playlists || {})) {
      for (const item of p.items) found.set(item.media.sha256, item.media);
    }
    return [...found.values()];
  }

  const TYPES = { jpg: "image/jpeg", webp: "image/webp", png: "image/png" };

  async function matches(media, body) {
    return body.byteLength === media.size && hex(await crypto.subtle.digest("SHA-256", body)) === media.sha256;
  }

  // The file's bytes, checked against the manifest's sha256 and size: from the media cache when
  // it holds a good copy, else downloaded (once) and cached. Never trusts a second download.
  async function verifiedBytes(media) {
    const cache = await caches.open(MEDIA_CACHE);
    const url = rootUrl(media.url);
    const hit = await cache.match(url);
    if (hit) {
      const body = await hit.arrayBuffer();
      if (await matches(media, body)) return body;
      await cache.delete(url);  // damaged: fetch it again
    }
    const response = await fetch(url, { cache: "no-store" });
    if (!response.ok) throw new Error("media HTTP " + response.status + ": " + media.url);
    const body = await response.arrayBuffer();
    if (!(await matches(media, body))) throw new Error("media refused (sha256 or size mismatch): " + media.url);
    const type = TYPES[media.url.split(".").pop()] || "application/octet-stream";
    await cache.put(url, new Response(body, { headers: { "Content-Type": type } }));
    return body;
  }

  async function cacheMedia(media) {
    const cache = await caches.open(MEDIA_CACHE);
    if (await cache.match(rootUrl(media.url))) return true;
    await verifiedBytes(media);
    return true;
  }

  async function cacheAll(payload) {
    for (const media of mediaOf(payload)) await cacheMedia(media);
  }

  async function evict(payload) {
    const shas = new Set(mediaOf(payload).map((m) => m.sha256));
    for (const [sha, url] of blobUrls) {
      if (!shas.has(sha)) { URL.revokeObjectURL(url); blobUrls.delete(sha); }
    }
    const keep = new Set(mediaOf(payload).map((m) => rootUrl(m.url)));
    const cache = await caches.open(MEDIA_CACHE);
    for (const request of await cache.keys()) {
      if (!keep.has(request.url)) await cache.delete(request);
    }
  }

  // Decode an image fully before it may be shown, from a blob URL of exactly the bytes whose
  // hash was checked: never from its network URL, which a mirror could answer differently.
  async function preload(media) {
    let src = blobUrls.get(media.sha256);
    if (!src) {
      const body = await verifiedBytes(media);
      const type = TYPES[media.url.split(".").pop()] || "application/octet-stream";
      src = URL.createObjectURL(new Blob([body], { type }));
      blobUrls.set(media.sha256, src);
    }
    const img = new Image();
    img.src = src;
    await img.decode();
    return src;
  }

  // The QR code as an SVG drawn from the signed rows (hex, dark = 1), with its quiet zone.
  function qrSvg(rows) {
    const n = rows.length, size = n + 2 * QUIET_ZONE;
    let d = "";
    rows.forEach((row, y) => {
      const bits = row.split("").map((h) => parseInt(h, 16).toString(2).padStart(4, "0")).join("");
      for (let x = 0; x < n; x++) {
        if (bits[x] === "1") d += "M" + (x + QUIET_ZONE) + " " + (y + QUIET_ZONE) + "h1v1h-1z";
      }
    });
    return '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ' + size + " " + size +
      '" shape-rendering="crispEdges"><rect width="' + size + '" height="' + size +
      '" fill="#fff"/><path fill="#000" d="' + d + '"/></svg>';
  }

  function qrUrl(item) {
    if (!Array.isArray(item.qr) || !item.qr.length) return null;
    let url = qrUrls.get(item.mobile_url);
    if (!url) {
      url = URL.createObjectURL(new Blob([qrSvg(item.qr)], { type: "image/svg+xml" }));
      qrUrls.set(item.mobile_url, url);
    }
    return url;
  }

  // Showing -------------------------------------------------------------------------------------

  function showOverlay(item) {
    const overlay = $("overlay");
    if (!item || !item.overlay) { overlay.hidden = true; return; }
    $("credit").textContent = item.credit;
    const sentence = item.ai_involvement && item.ai_involvement !== "undisclosed" ? item.ai_disclosure : "";
    $("disclosure").textContent = (words && words.disclosures && words.disclosures[sentence]) || sentence;
    $("disclosure").lang = words && words.disclosures && words.disclosures[sentence] ? words.lang : "en";
    const qr = $("qr");
    const src = qrUrl(item);  // only the signed code: never a QR file a mirror could swap
    qr.hidden = !src;
    qr.onerror = () => { qr.hidden = true; };
    if (src) qr.src = src; else qr.removeAttribute("src");
    qr.alt = say("qr_alt", "QR code: {url}", { url: item.mobile_url });
    overlay.hidden = false;
  }

  async function present(showing, version) {
    const item = showing.item;
    const key = item ? [showing.playlistId, showing.index, showing.startedAt, item.media.sha256].join("|") : null;
    if (onScreen && onScreen.key === key && onScreen.version === version) return;
    closePlay(Date.now());
    if (!item) {
      layers.forEach((l) => { l.classList.remove("shown"); l.removeAttribute("src"); });
      showOverlay(null);
      onScreen = { key, version };
      return;
    }
    onScreen = { key, version, pending: true };
    let src;
    try { src = await preload(item.media); }
    catch (e) { error("not showing " + item.title + ": " + e.message); onScreen = null; return; }
    if (!onScreen || onScreen.key !== key) return;  // time moved on while decoding
    const back = layers[1 - front], old = layers[front];
    const fade = showing.fadeRemaining ? showing.fadeRemaining : 0;
    back.style.transition = "none";
    back.classList.remove("shown");
    back.src = src;
    back.alt = item.alt_text || item.title;
    back.dataset.itemId = String(item.item_id);
    back.dataset.artworkId = String(item.artwork_id);
    back.dataset.startedAt = String(showing.startedAt);
    void back.offsetWidth;  // commit the hidden state before fading in
    const ms = fade > 0 ? fade : 0;
    back.style.transition = ms ? "opacity " + ms + "ms linear" : "none";
    old.style.transition = ms ? "opacity " + ms + "ms linear" : "none";
    back.classList.add("shown");
    old.classList.remove("shown");
    back.style.zIndex = "2"; old.style.zIndex = "1";
    front = 1 - front;
    showOverlay(item);
    onScreen = {
      key, version, item, playlist: showing.playlistName, since: Date.now(), endsAt: showing.endsAt,
    };
    document.body.dataset.showing = item.media.sha256;
  }

  function tick() {
    clearTimeout(tickTimer);
    const now = Date.now();
    let wait = 1000;
    if (current) {
      const showing = whatPlays(current.payload, now);
      present(showing, current.payload.manifest_version);
      if (showing.nextChange !== null && showing.nextChange !== undefined) {
        wait = Math.min(wait, Math.max(20, showing.nextChange - now));
      }
    }
    tickTimer = setTimeout(tick, wait);
  }

  // Reports -------------------------------------------------------------------------------------

  function uuid4() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = hex(b.buffer);
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function closePlay(now) {
    const s = onScreen;
    if (!s || !s.item || !s.since) return;
    const end = Math.min(now, s.endsAt);
    const seconds = (end - s.since) / 1000;
    if (seconds <= 0) return;
    const plays = load(PLAYS_STORE, []);
    plays.push({
      id: uuid4(), artwork_sha256: s.item.media.sha256, playlist: s.playlist ? String(s.playlist).slice(0, 200) : null,
      started_at: iso(s.since), duration_s: Math.round(seconds * 1000) / 1000, manifest_version: s.version,
    });
    save(PLAYS_STORE, plays.slice(-MAX_PLAYS));
  }

  async function queueHeartbeat() {
    const s = onScreen;
    let free = null;
    try {
      const est = await navigator.storage.estimate();
      if (est && est.quota !== undefined) free = Math.max(0, Math.floor(est.quota - (est.usage || 0)));
    } catch (e) { /* not available */ }
    if (current && !(parseInstant(current.payload.expires) > Date.now())) {
      error("playing a manifest that expired at " + current.payload.expires + ": no newer one arrived");
    }
    const beats = load(BEATS_STORE, []);
    beats.push({
      playing: s && s.item ? {
        artwork_sha256: s.item.media.sha256, title: String(s.item.title).slice(0, 300),
        playlist: s.playlist ? String(s.playlist).slice(0, 200) : null, since: iso(s.since),
      } : null,
      manifest_version: current ? current.payload.manifest_version : null,
      player_version: VERSION, free_disk_bytes: free, errors: errors.splice(0),
      refused, queued_at: iso(Date.now()),
    });
    save(BEATS_STORE, beats.slice(-MAX_BEATS));
  }

  function hubPaths() {
    if (current) return current.payload.hub;
    return { heartbeat: "/api/v1/screens/" + token + "/heartbeat", plays: "/api/v1/screens/" + token + "/plays" };
  }

  async function post(path, body) {
    const response = await fetch(rootUrl(path), {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    if (response.status === 400) { error("hub refused a report: " + (await response.text()).slice(0, 200)); return; }
    if (!response.ok) throw new Error("HTTP " + response.status);
  }

  async function sendReports() {
    if (Date.now() < notBefore) return;
    const paths = hubPaths();
    try {
      let beats = load(BEATS_STORE, []);
      while (beats.length) {
        await post(paths.heartbeat, beats[0]);
        beats = load(BEATS_STORE, []).slice(1);
        save(BEATS_STORE, beats);
      }
      let plays = load(PLAYS_STORE, []);
      while (plays.length) {
        const batch = plays.slice(0, BATCH);
        await post(paths.plays, { records: batch });  // same ids on a retry: counted once
        const sent = new Set(batch.map((p) => p.id));
        plays = load(PLAYS_STORE, []).filter((p) => !sent.has(p.id));
        save(PLAYS_STORE, plays);
      }
      failures = 0; notBefore = 0;
    } catch (e) {
      failures += 1;
      notBefore = Date.now() + Math.min(300000, 2000 * 2 ** (failures - 1)) * (0.5 + Math.random() / 2);
    }
  }

  // Polling -------------------------------------------------------------------------------------

  async function adopt(text, payload, newKeyPem) {
    await cacheAll(payload);  // all or nothing: a missing file keeps the old manifest playing
    if (newKeyPem) {
      // The pinned key announced this one and it signed the manifest: pin it from now on.
      const announced = await importKey(newKeyPem);
      localStorage.setItem(KEY_STORE, newKeyPem);
      key = announced.key;
      keyId = announced.id;
    }
    current = { text, payload };
    refused = null;
    save(MANIFEST_STORE, text);
    evict(payload).catch((e) => error("eviction: " + e.message));
    tick();
  }

  async function poll() {
    clearTimeout(pollTimer);
    let interval = current ? current.payload.screen.poll_interval : 60;
    let ok = true;
    try {
      const response = await fetch(rootUrl("screens/" + token + "/manifest.json"), { cache: "no-cache" });
      if (!response.ok) throw new Error("manifest HTTP " + response.status);
      const text = await response.text();
      if (!current || text !== current.text) {
        let payload, newKeyPem;
        try {
          ({ payload, newKeyPem } = await verify(text));
          checkAdmissible(payload, current ? current.payload : null);
        } catch (e) { refuse(e, "polled"); e.refused = true; throw e; }
        if (!current || payload.manifest_version !== current.payload.manifest_version) {
          if (!preparing) {
            preparing = adopt(text, payload, newKeyPem).catch((e) => error("new manifest waits: " + e.message))
              .finally(() => { preparing = null; });
            await preparing;
          }
        } else {
          current = { text, payload };
          save(MANIFEST_STORE, text);
        }
      }
    } catch (e) {
      ok = false;
      if (!e.refused) error("poll failed: " + e.message);
    }
    await queueHeartbeat();
    await sendReports();
    if (!ok) interval = Math.min(interval, 5 * 2 ** Math.min(failures, 6));
    const jitter = 0.8 + Math.random() * 0.4;
    pollTimer = setTimeout(poll, Math.max(1000, interval * 1000 * jitter));
  }

  // Start ---------------------------------------------------------------------------------------

  async function start() {
    await loadWords();
    if (!token) { notice(say("no_token", "Add ?token=<poll token> to this page's address.")); return; }
    if (!window.isSecureContext || !crypto.subtle) {
      notice(say("no_https", "This player needs HTTPS (or localhost) to verify signed manifests."));
      return;
    }
    try { await pinKey(); }
    catch (e) { notice(say("cannot_start", "Cannot start: {error}", { error: e.message })); error(e.message); return; }
    const saved = load(MANIFEST_STORE, null);
    if (saved) {
      try {
        const { payload, newKeyPem } = await verify(saved);
        checkAdmissible(Object.assign({}, payload, { expires: "9999-12-31T00:00:00Z" }), null);
        current = { text: saved, payload };  // an expired one still plays (the heartbeat says so)
        if (newKeyPem) await adopt(saved, payload, newKeyPem);
      }
      catch (e) { error("saved manifest refused: " + e.message); }
    }
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register("sw.js", { scope: "./" }).catch((e) => error("service worker: " + e.message));
    }
    window.addEventListener("pagehide", () => closePlay(Date.now()));
    tick();
    poll();
  }

  // For tests and kiosk diagnostics: what is on screen now.
  window.urbanartPlayer = {
    state: () => ({
      manifestVersion: current ? current.payload.manifest_version : null,
      itemId: onScreen && onScreen.item ? onScreen.item.item_id : null,
      sha256: onScreen && onScreen.item ? onScreen.item.media.sha256 : null,
      src: layers[front].getAttribute("src"),
      qrSrc: $("qr").getAttribute("src"),
      refused,
      keyId,
      errors: recent.slice(),
      queuedPlays: load(PLAYS_STORE, []).length,
    }),
    whatPlays: (at) => (current ? whatPlays(current.payload, at) : null),
    poll: () => poll(),
  };

  start();
})();
