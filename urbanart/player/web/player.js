/* Urban Art web player: plays one screen's signed manifest in a browser, online or offline.
   Plain JavaScript, no build step, no external scripts. The rules match urbanart/player:
   the pinned Ed25519 key (trust on first use) must sign every manifest, or a new key it announced
   (key rotation); a genuine manifest is still refused when it is for another screen, not newer
   than the one held (rollback) or expired (freeze), as urbanart/protocol/freshness.py says; what
   shows is a pure function of the device clock (docs/published-tree.md, "Which item plays
   when"); a new manifest only takes over once all its media are cached and verified, and an
   image is shown from exactly the bytes that were verified (a blob URL), its QR code drawn from
   the signed rows in the manifest; reports wait in localStorage. A video item (format 3) plays
   its MP4, fetched whole and verified like an image, from a blob URL in a muted looping
   <video>, at the position the clock rule gives; whenever the video cannot play (refused bytes,
   a decode error, a stall, no H.264 in this browser) its still `media` shows instead. A live
   item polls its signed feed document twice per work's interval (LIVE_POLLS_PER_INTERVAL, as
   urbanart/player/live_feed_client.py: a frame newest for less than one interval is still
   seen; the same pinned key; never a
   lower sequence than one already taken), shows the newest frame for this screen's profile
   from exactly the bytes whose sha256 the document names, and its still `media` when the feed
   has no frame or its newest is older than silence_s (offline too). */
"use strict";
(() => {
  const VERSION = "urbanart-web-player/0.1.0";
  // Polls of a live feed per interval (POLLS_PER_INTERVAL in urbanart/player/live_feed_client.py).
  const LIVE_POLLS_PER_INTERVAL = 2;
  const params = new URLSearchParams(location.search);
  const token = params.get("token") || "";
  const ROOT = new URL("../", location.href);
  const KEY_STORE = "urbanart.player.pinnedKey";
  const MANIFEST_STORE = "urbanart.player.manifest." + token;
  const PLAYS_STORE = "urbanart.player.plays." + token;
  const BEATS_STORE = "urbanart.player.heartbeats." + token;
  const MEDIA_CACHE = "urbanart-media-v1";
  const BATCH = 500, MAX_PLAYS = 20000, MAX_BEATS = 50, MAX_ERRORS = 20;
  const FORMAT_VERSIONS = [2, 3], QUIET_ZONE = 4;
  // A video not playing at its position this soon has its still stand in until it is (a seek
  // decodes from the previous keyframe, which takes a while on a busy device); one not ready
  // after VIDEO_GIVE_UP_MS has stalled, as has a playing video whose clock stands still for
  // STALL_MS; after a stall the video is tried again every VIDEO_RETRY_MS while its still
  // stands in. Beyond DRIFT_S (or a quarter of a shorter loop) from the rule a video is seeked
  // back (a seek costs a visible hiccup, so small drift is left alone), at most once per
  // DRIFT_EVERY_MS: where decoding is slower than real time a seek costs more than it recovers.
  const VIDEO_READY_MS = 3000, VIDEO_GIVE_UP_MS = 30000, STALL_MS = 5000, VIDEO_RETRY_MS = 15000;
  const DRIFT_S = 1.0, DRIFT_EVERY_MS = 10000, MAX_SEEK_LEAD_MS = 15000;
  const H264 = 'video/mp4; codecs="avc1.640028"';

  const $ = (id) => document.getElementById(id);
  const images = [$("layer-a"), $("layer-b")];
  const videos = [$("video-a"), $("video-b")];
  // A generative work runs in this iframe: sandbox="allow-scripts" without allow-same-origin
  // (an opaque origin: no cookies, no storage, no reach into this page), served by the hub with
  // a CSP that allows no network (urbanart/protocol/tree_layout.py GENERATIVE_CSP).
  const generativeEl = $("gen-a");
  // Offline, the piece runs in a fresh copy of this one instead, from the copy made of its
  // verified files (offlineEntry): Chromium lets no service worker answer a navigation that
  // starts sandboxed by the frame's attribute, so the frame's first navigation starts without it
  // and sw.js serves the copy with the CSP `sandbox allow-scripts` plus the package CSP (as
  // isolated as gen-a); the attribute is set in the same turn, so anything the piece navigates
  // its frame to afterwards is sandboxed too (see runCachedPiece).
  let cachedGenerativeEl = $("gen-cached");
  const layers = images.concat(videos, [generativeEl, cachedGenerativeEl]);
  const COPY_READY = "urbanart:generative-copy";  // the copy's first words (offlineEntry)
  let frontEl = images[0];  // the layer the item on screen uses (an <img> or a <video>)
  let key = null;           // CryptoKey of the pinned public key
  let keyId = null;
  let current = null;       // {text, payload}
  let onScreen = null;      // {key, item, playlist, since, endsAt, version}
  let errors = [];          // since the last heartbeat
  let recent = [];          // the last few, for diagnostics
  let failures = 0, notBefore = 0, pollTimer = null, tickTimer = null, tickAt = 0;
  let preparing = null;
  let refused = null;       // the last manifest refused: {reason, source, detail, at}
  const blobUrls = new Map();  // sha256 -> blob: URL of the verified bytes
  const qrUrls = new Map();    // mobile_url -> blob: URL of the QR drawn from the signed rows
  let refusedVideos = new Map();  // video sha256 -> why it is not played (its still shows)
  let refusedPackages = new Map();  // package sha256 -> why it is not run (its still shows)
  let canPlayH264 = true;
  let preloadedKey = null;    // the next item already made ready
  let watch = null;           // {el, time, since}: the playing video's last clock reading
  let corrected = 0;          // when the drift was last corrected
  let seekLead = 0;           // ms the last seek took: a seek aims that far ahead
  const LIVE_STORE = "urbanart.player.live." + token;  // {feed id: highest sequence taken}
  const liveFeeds = new Map();  // feed id -> {sequence, text, payload, frame: {sha, src, sequence}, nextPoll, busy}

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

  // The screen's language: ?lang=ja,en in the address, else the manifest's screen.languages
  // (format 3, the screen's own setting), else the device's. Its fixed words come from
  // player/strings.json (the catalogues, written at publish); English until they arrive.
  const STRINGS_STORE = "urbanart.player.catalogues";
  const codes = (list) => list.map((l) => String(l).trim().toLowerCase().split("-")[0]).filter(Boolean);
  const askedLangs = codes((params.get("lang") || "").split(","));
  let catalogues = load(STRINGS_STORE, null);  // {lang: {disclosures, notices}}
  let words = null;
  function wantedLangs() {
    if (askedLangs.length) return askedLangs;
    const screen = current && current.payload.screen;
    if (screen && Array.isArray(screen.languages) && screen.languages.length) return codes(screen.languages);
    return codes(navigator.languages || []);
  }
  function pickWords() {
    // Called when the catalogues arrive and whenever a manifest is taken: a screen's languages
    // may change with a publish.
    if (!catalogues) return;
    const lang = wantedLangs().find((l) => catalogues[l]) || "en";
    words = Object.assign({ lang }, catalogues[lang]);
    document.documentElement.lang = lang;
    if (onScreen && onScreen.item) showOverlay(onScreen.item);
  }
  async function loadWords() {
    try {
      const response = await fetch(rootUrl("player/strings.json"), { cache: "no-cache" });
      if (!response.ok) return;
      catalogues = await response.json();
      save(STRINGS_STORE, catalogues);
    } catch (e) { /* offline: the words kept from last time, or English */ }
    pickWords();
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
    if (payload.format !== "urbanart.manifest" || !FORMAT_VERSIONS.includes(payload.version)) {
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

  // A video item this player can try to play: format 3's media_type "video" with its entry.
  // Any other media_type (later kinds, unknown to this player) plays its still `media`.
  function isVideo(item) {
    const v = item.media_type === "video" ? item.video : null;
    return !!v && typeof v.url === "string" && /^[0-9a-f]{64}$/.test(String(v.sha256)) &&
      Number(v.duration_s) > 0;
  }

  // A generative item this player can run: format 3's media_type "generative" with its package
  // at its content-addressed place. Its still `media` shows first and whenever it cannot run.
  function isGenerative(item) {
    const g = item.media_type === "generative" ? item.generative : null;
    return !!g && g.entry === "index.html" && /^\/media\/gen\/[0-9a-f]{64}\/$/.test(String(g.base_url)) &&
      Array.isArray(g.files) && g.files.some((f) => f.path === "index.html");
  }
  const wantsGenerative = (item) => isGenerative(item) && !refusedPackages.has(item.generative.sha256);

  // The seed a slot gets: urbanart.protocol.live_feed.generative_seed, the same on every player.
  async function generativeSeed(screenId, startedAt) {
    const text = screenId + ":" + Math.floor(startedAt / 1000);
    return hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))).slice(0, 16);
  }

  // The query a piece is told: the screen's id and size and the slot's seed.
  async function generativeQuery(startedAt) {
    const screen = current.payload.screen;
    return new URLSearchParams({
      screen: String(screen.id), width: String(screen.width), height: String(screen.height),
      seed: await generativeSeed(screen.id, startedAt),
    }).toString();
  }

  // The entry's URL on the hub with its query, once the entry file the hub serves is the one
  // the signed manifest names (a mirror cannot swap the piece).
  async function generativeUrl(item, query) {
    const g = item.generative;
    const entry = g.files.find((f) => f.path === "index.html");
    const response = await fetch(rootUrl(g.base_url + "index.html"), { cache: "no-store" });
    if (!response.ok) throw new Error("package HTTP " + response.status + ": " + g.base_url);
    if (!(await matches(entry, await response.arrayBuffer()))) throw packageMismatch(g, entry);
    return rootUrl(g.base_url + "index.html") + "?" + query;
  }

  // The offline copy's URL with its query, when the copy is cached and the service worker that
  // serves it (sandboxed) is running; else null.
  async function cachedGenerativeUrl(item, query) {
    if (!("serviceWorker" in navigator) || !navigator.serviceWorker.controller) return null;
    const url = offlineEntryUrl(item.generative);
    const cache = await caches.open(MEDIA_CACHE);
    return (await cache.match(url)) ? url + "?" + query : null;
  }

  // Load `url` into the iframe `el` and wait for it (or give up after VIDEO_GIVE_UP_MS).
  function loadFrame(el, url) {
    const loaded = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("not loaded after " + VIDEO_GIVE_UP_MS / 1000 + " s")), VIDEO_GIVE_UP_MS);
      el.addEventListener("load", () => { clearTimeout(timer); resolve(); }, { once: true });
    });
    el.src = url;
    return loaded;
  }

  // Run the offline copy in a new frame (never one a piece has run in): its first navigation
  // starts unsandboxed so that sw.js answers it (the answer carries the sandbox), and the
  // sandbox attribute is set in the same turn, before any piece can run, for every later one.
  // Waits for the copy's own first words: a frame that got an error page instead (the worker
  // did not answer) never says them, and the still stays.
  function runCachedPiece(url) {
    const fresh = cachedGenerativeEl.cloneNode(false);
    fresh.removeAttribute("src");
    fresh.removeAttribute("sandbox");
    fresh.classList.remove("shown");
    fresh.removeAttribute("style");
    fresh.src = url;
    const said = new Promise((resolve, reject) => {
      const timer = setTimeout(() => { removeEventListener("message", heard); reject(new Error("the cached copy did not start")); }, VIDEO_GIVE_UP_MS);
      function heard(event) {
        if (event.source !== fresh.contentWindow || event.data !== COPY_READY) return;
        clearTimeout(timer);
        removeEventListener("message", heard);
        resolve(fresh);
      }
      addEventListener("message", heard);
    });
    cachedGenerativeEl.replaceWith(fresh);  // the navigation starts here, unsandboxed
    fresh.setAttribute("sandbox", "allow-scripts");
    layers[layers.indexOf(cachedGenerativeEl)] = fresh;
    cachedGenerativeEl = fresh;
    return said;
  }

  // Run the piece over its still, which stays on screen until the iframe has loaded: from the
  // hub, or when the hub cannot be reached from the offline copy of its verified files. On any
  // other error (refused bytes, no copy, no load in time) the still simply stays.
  async function runGenerative(s) {
    const item = s.item;
    let el = generativeEl;
    try {
      const query = await generativeQuery(s.startedAt);
      let url;
      try { url = await generativeUrl(item, query); }
      catch (e) {
        if (e.mismatch) throw e;
        url = await cachedGenerativeUrl(item, query);
        if (!url) throw e;
        el = null;
      }
      if (onScreen !== s) return;
      if (el) await loadFrame(el, url);
      else el = await runCachedPiece(url);
    } catch (e) {
      error("generative work " + item.title + " not run, its still shows: " + e.message);
      if (e.mismatch) refusedPackages.set(item.generative.sha256, e.message);
      return;
    }
    if (onScreen !== s) return;
    el.dataset.itemId = String(item.item_id);
    el.dataset.artworkId = String(item.artwork_id);
    el.dataset.startedAt = String(s.startedAt);
    el.dataset.sha256 = item.generative.sha256;
    reveal(el, 0);
  }

  // Generative packages offline -----------------------------------------------------------------

  function packageMismatch(g, file) {
    const e = new Error("package refused (" + file.path + " sha256 or size mismatch): " + g.base_url);
    e.mismatch = true;
    return e;
  }

  // Every package the payload's items run: {package sha256: its `generative` entry}.
  function packagesOf(payload) {
    const found = new Map();
    for (const p of Object.values(payload.playlists || {})) {
      for (const item of p.items) {
        if (isGenerative(item)) found.set(item.generative.sha256, item.generative);
      }
    }
    return found;
  }

  // A file's path inside its package as the manifest lists it: relative, no "." or ".." steps.
  const PACKAGE_PATH = /^(?!\/)(?!.*(^|\/)\.\.?(\/|$))[^?#\\]+$/;
  const packageMedia = (g, f) => ({ url: g.base_url + f.path, sha256: f.sha256, size: f.size, path: f.path });

  // Where the offline copy of a package's entry lives: under this page's folder, which sw.js
  // answers for (never the network).
  const offlineEntryUrl = (g) => new URL("gen/" + g.sha256 + "/index.html", location.href).href;

  // Cache every file of the package, each checked against the manifest's sha256 and size, then
  // the offline copy made from them. A file whose bytes do not match refuses the whole package
  // (its still shows); a file that cannot be fetched throws, and the manifest waits.
  async function cachePackage(g) {
    const files = g.files.map((f) => {
      if (!PACKAGE_PATH.test(String(f.path))) throw Object.assign(new Error("package file path refused: " + f.path), { mismatch: true });
      return packageMedia(g, f);
    });
    const cache = await caches.open(MEDIA_CACHE);
    if (await cache.match(offlineEntryUrl(g))) return;
    const bytes = new Map();
    for (const media of files) {
      try { bytes.set(media.path, await verifiedBytes(media)); }
      catch (e) { throw e.mismatch ? packageMismatch(g, media) : e; }
    }
    const html = offlineEntry(bytes);
    await cache.put(offlineEntryUrl(g), new Response(html, { headers: { "Content-Type": "text/html; charset=utf-8" } }));
  }

  const PACKAGE_TYPES = {
    png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", gif: "image/gif", webp: "image/webp",
    svg: "image/svg+xml", avif: "image/avif",
  };
  const utf8Text = (buffer) => new TextDecoder().decode(buffer);

  function dataUrl(path, buffer) {
    const type = PACKAGE_TYPES[path.split(".").pop().toLowerCase()] || "application/octet-stream";
    const b = new Uint8Array(buffer);
    let bin = "";
    for (let i = 0; i < b.length; i += 0x8000) bin += String.fromCharCode.apply(null, b.subarray(i, i + 0x8000));
    return "data:" + type + ";base64," + btoa(bin);
  }

  // The package path a reference in file `from` points at, when it is a file of the package.
  function packagePath(ref, from, bytes) {
    if (!ref || /^[a-z][a-z0-9+.-]*:/i.test(ref) || ref.startsWith("//")) return null;
    try {
      const url = new URL(ref, "https://package.invalid/" + from);
      if (url.origin !== "https://package.invalid") return null;
      const path = decodeURIComponent(url.pathname.slice(1));
      return bytes.has(path) ? path : null;
    } catch (e) { return null; }  // not a URL, or a broken %-escape: left as it is
  }

  // A stylesheet with its url(...) references to package files made data: URLs.
  function inlineCss(css, from, bytes) {
    return css.replace(/url\(\s*(['"]?)([^'")]+)\1\s*\)/g, (whole, quote, ref) => {
      const path = packagePath(ref.trim(), from, bytes);
      return path ? 'url("' + dataUrl(path, bytes.get(path)) + '")' : whole;
    });
  }

  // The entry made self-contained from the verified files: its scripts and stylesheets inline,
  // its images (and url(...) in styles) data: URLs. A frame the service worker serves this to
  // has an opaque origin (the sandbox), and Chromium sends such a frame's own requests to the
  // network, never to a service worker: offline, nothing but this one document can be served.
  // Parsed with DOMParser, which runs nothing. A piece that loads files from its scripts finds
  // them missing offline.
  function offlineEntry(bytes) {
    const doc = new DOMParser().parseFromString(utf8Text(bytes.get("index.html")), "text/html");
    const closing = (text, tag) => text.replace(new RegExp("</" + tag, "gi"), "<\\/" + tag);
    const ready = doc.createElement("script");  // tells the player the copy itself started
    ready.textContent = "parent.postMessage(" + JSON.stringify(COPY_READY) + ", \"*\");";
    doc.head.prepend(ready);
    for (const el of doc.querySelectorAll("script[src]")) {
      const path = packagePath(el.getAttribute("src"), "index.html", bytes);
      if (!path) continue;
      el.removeAttribute("src");
      el.textContent = closing(utf8Text(bytes.get(path)), "script");
    }
    for (const el of doc.querySelectorAll("link[href]")) {
      const path = packagePath(el.getAttribute("href"), "index.html", bytes);
      if (!path || !/(^|\s)stylesheet(\s|$)/i.test(el.getAttribute("rel") || "")) continue;
      const style = doc.createElement("style");
      style.textContent = closing(inlineCss(utf8Text(bytes.get(path)), path, bytes), "style");
      el.replaceWith(style);
    }
    for (const el of doc.querySelectorAll("style")) {
      el.textContent = inlineCss(el.textContent, "index.html", bytes);
    }
    for (const el of doc.querySelectorAll("img[src], input[src], image[href]")) {
      const name = el.hasAttribute("src") ? "src" : "href";
      const path = packagePath(el.getAttribute(name), "index.html", bytes);
      if (path) el.setAttribute(name, dataUrl(path, bytes.get(path)));
    }
    return "<!doctype html>\n" + doc.documentElement.outerHTML;
  }

  // Whether this item's video is played now (else its still shows).
  const wantsVideo = (item) => canPlayH264 && isVideo(item) && !refusedVideos.has(item.video.sha256);

  // Every file the payload's items need: the stills and the videos.
  function mediaOf(payload) {
    const found = new Map();
    for (const p of Object.values(payload.playlists || {})) {
      for (const item of p.items) {
        found.set(item.media.sha256, item.media);
        if (isVideo(item)) found.set(item.video.sha256, item.video);
      }
    }
    return [...found.values()];
  }

  const TYPES = { jpg: "image/jpeg", webp: "image/webp", png: "image/png", mp4: "video/mp4" };
  const typeOf = (media) => TYPES[media.url.split(".").pop()] || "application/octet-stream";
  const videoUrls = (payload) => new Set(mediaOf(payload).filter((m) => typeOf(m).startsWith("video/")).map((m) => m.url));

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
    if (!(await matches(media, body))) {
      const e = new Error("media refused (sha256 or size mismatch): " + media.url);
      e.mismatch = true;
      throw e;
    }
    await cache.put(url, new Response(body, { headers: { "Content-Type": typeOf(media) } }));
    return body;
  }

  async function cacheMedia(media) {
    const cache = await caches.open(MEDIA_CACHE);
    if (await cache.match(rootUrl(media.url))) return true;
    await verifiedBytes(media);
    return true;
  }

  // Everything the payload needs, cached and verified; returns the videos and the generative
  // packages whose bytes were refused (their items show their stills). Any other failure
  // throws: the manifest waits.
  async function cacheAll(payload) {
    const videoFiles = videoUrls(payload), videosNow = new Map(), packagesNow = new Map();
    for (const media of mediaOf(payload)) {
      try { await cacheMedia(media); }
      catch (e) {
        if (!(e.mismatch && videoFiles.has(media.url))) throw e;
        error("video refused, its still shows instead: " + e.message);
        videosNow.set(media.sha256, e.message);
      }
    }
    for (const [sha, g] of packagesOf(payload)) {
      try { await cachePackage(g); }
      catch (e) {
        if (!e.mismatch) throw e;
        error("generative work refused, its still shows instead: " + e.message);
        packagesNow.set(sha, e.message);
      }
    }
    return { videosNow, packagesNow };
  }

  async function evict(payload) {
    const shas = new Set(mediaOf(payload).map((m) => m.sha256));
    for (const [sha, url] of blobUrls) {
      if (!shas.has(sha)) { URL.revokeObjectURL(url); blobUrls.delete(sha); }
    }
    const keep = new Set(mediaOf(payload).map((m) => rootUrl(m.url)));
    for (const g of packagesOf(payload).values()) {
      keep.add(offlineEntryUrl(g));
      for (const f of g.files) keep.add(rootUrl(g.base_url + f.path));
    }
    const cache = await caches.open(MEDIA_CACHE);
    for (const request of await cache.keys()) {
      if (!keep.has(request.url)) await cache.delete(request);
    }
  }

  // Decode an image fully before it may be shown, from a blob URL of exactly the bytes whose
  // hash was checked: never from its network URL, which a mirror could answer differently.
  async function blobOf(media) {
    let src = blobUrls.get(media.sha256);
    if (!src) {
      const body = await verifiedBytes(media);
      src = URL.createObjectURL(new Blob([body], { type: typeOf(media) }));
      blobUrls.set(media.sha256, src);
    }
    return src;
  }

  async function preload(media) {
    const src = await blobOf(media);
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

  // Live works: the signed feed, its newest frame ------------------------------------------

  const FEED_RE = /^\/live\/([A-Za-z0-9_-]{16,64})\/feed\.json$/;
  const SHA_RE = /^[0-9a-f]{64}$/;

  // The item's `live` entry when it is a live item this player can play (else its still plays).
  function liveOf(item) {
    const l = item && item.media_type === "live" ? item.live : null;
    return l && typeof l.feed_url === "string" && FEED_RE.test(l.feed_url) && typeof l.profile === "string" ? l : null;
  }

  // The payload of a genuine feed document for this feed, not behind `after` (as
  // urbanart/protocol/live_feed.py verify_feed): signed by the pinned key, well formed.
  async function verifyFeed(text, feedId, after) {
    let doc;
    try { doc = JSON.parse(text); } catch (e) { throw new Error("the feed document is not JSON"); }
    if (!doc || typeof doc.payload !== "string" || typeof doc.signature !== "string" ||
        doc.format !== "urbanart.manifest.signed") {
      throw new Error("the feed document is not a signed envelope");
    }
    if (doc.key_id !== keyId) throw new Error("the feed is signed by key " + doc.key_id + ", not the pinned " + keyId);
    const ok = await crypto.subtle.verify({ name: "Ed25519" }, key, base64Bytes(doc.signature), utf8(doc.payload));
    if (!ok) throw new Error("the feed signature does not match; it was altered");
    const p = JSON.parse(doc.payload);
    if (p.format !== "urbanart.live.feed" || p.feed !== feedId) throw new Error("the document is not this work's feed");
    if (!Number.isInteger(p.sequence) || p.sequence < 0) throw new Error("the feed's sequence is malformed");
    if (after !== null && p.sequence < after) {
      throw new Error("the feed went backwards: sequence " + p.sequence + " after " + after);
    }
    if (!p.frames || typeof p.frames !== "object" || !Number.isFinite(parseInstant(p.time))) {
      throw new Error("the feed document is malformed");
    }
    for (const f of Object.values(p.frames)) {
      if (!f || !SHA_RE.test(String(f.sha256)) || typeof f.url !== "string" || !f.url.startsWith("/live/")) {
        throw new Error("the feed's frame is malformed");
      }
    }
    return p;
  }

  function feedState(feedId) {
    let f = liveFeeds.get(feedId);
    if (!f) {
      const taken = load(LIVE_STORE, {})[feedId];
      f = { sequence: Number.isInteger(taken) ? taken : null, text: null, payload: null, frame: null, nextPoll: 0, busy: false };
      liveFeeds.set(feedId, f);
    }
    return f;
  }

  // One poll of the feed (the browser revalidates with If-None-Match: no-cache), and the frame
  // when it is new: shown only once its bytes match the signed sha256 and size.
  async function pollFeed(live, now) {
    const feedId = FEED_RE.exec(live.feed_url)[1];
    const f = feedState(feedId);
    if (f.busy || now < f.nextPoll) return;
    f.busy = true;
    const interval = Math.max(500, Number(live.interval_s) * 1000 || 5000) / LIVE_POLLS_PER_INTERVAL;
    let ok = false;
    try {
      const response = await fetch(rootUrl(live.feed_url), { cache: "no-cache" });
      if (!response.ok) throw new Error("live feed HTTP " + response.status);
      const text = await response.text();
      if (text === f.text) { ok = true; return; }
      const p = await verifyFeed(text, feedId, f.sequence);
      const wanted = p.frames[live.profile] || null;
      let frame = f.frame;
      if (!wanted) {
        if (Object.keys(p.frames).length) error("live feed " + feedId + " has no frame for profile " + live.profile);
        frame = null;
      } else if (!frame || frame.sha !== wanted.sha256) {
        const r = await fetch(rootUrl(wanted.url), { cache: "no-store" });
        if (!r.ok) throw new Error("live frame HTTP " + r.status);
        const body = await r.arrayBuffer();
        if (!(await matches(wanted, body))) throw new Error("live frame refused (sha256 or size mismatch): " + wanted.url);
        const src = URL.createObjectURL(new Blob([body], { type: "image/jpeg" }));
        const img = new Image();
        img.src = src;
        await img.decode();
        frame = { sha: wanted.sha256, src, sequence: p.sequence };
      } else {
        frame = Object.assign({}, frame, { sequence: p.sequence });
      }
      const old = f.frame;
      Object.assign(f, { text, payload: p, frame, sequence: p.sequence });
      const taken = load(LIVE_STORE, {});
      taken[feedId] = p.sequence;
      save(LIVE_STORE, taken);
      if (old && old.src !== (frame && frame.src)) setTimeout(() => URL.revokeObjectURL(old.src), 5000);
      ok = true;
    } catch (e) {
      error("live feed " + feedId + " refused or unreachable: " + e.message);
    } finally {
      f.nextPoll = Date.now() + (ok ? interval : Math.min(interval, 5000));
      f.busy = false;
      wakeBy(f.nextPoll);
    }
  }

  // The live frame to show now for this item, or null (none yet, or silent: show the still).
  function liveFrameNow(item, now) {
    const live = liveOf(item);
    if (!live) return null;
    const f = liveFeeds.get(FEED_RE.exec(live.feed_url)[1]);
    if (!f || !f.frame || !f.payload) return null;
    if (now - parseInstant(f.payload.time) > Number(f.payload.silence_s) * 1000) return null;
    return f.frame;
  }

  // On each tick: poll the live item's feed when due, and cut to its newest frame (or back to
  // the still once the feed is silent) within the same turn: no new play is recorded.
  async function showLive(now) {
    const s = onScreen;
    if (!s || !s.item || s.pending || !liveOf(s.item)) return;
    await pollFeed(liveOf(s.item), now);
    if (onScreen !== s) return;
    const frame = liveFrameNow(s.item, Date.now());
    let src = frame ? frame.src : blobUrls.get(s.item.media.sha256);
    if (!src) { try { src = await preload(s.item.media); } catch (e) { return; } }
    if (onScreen !== s) return;
    if (frontEl.getAttribute("src") !== src) {
      const img = freeImage();
      img.src = src;
      try { await img.decode(); } catch (e) { error("cannot decode the live frame: " + e.message); return; }
      if (onScreen !== s) return;
      img.alt = s.item.alt_text || s.item.title;
      img.dataset.itemId = String(s.item.item_id);
      img.dataset.artworkId = String(s.item.artwork_id);
      img.dataset.startedAt = String(s.startedAt);
      img.dataset.liveSequence = frame ? String(frame.sequence) : "";
      reveal(img, 0);
    }
    s.liveSequence = frame ? frame.sequence : null;
    if (frame) s.frames.add(frame.sequence);
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

  // Video ---------------------------------------------------------------------------------------

  // Where in its video an item that began at startedAt is at instant `at` (ms): the rule of
  // docs/published-tree.md, (t − s) mod video.duration_s, in seconds.
  const positionAt = (item, startedAt, at) => mod((at - startedAt) / 1000, Number(item.video.duration_s));

  // The video layer an incoming item may use: never the one on screen.
  const freeVideo = () => videos.find((v) => v !== frontEl);
  const freeImage = () => images.find((i) => i !== frontEl);

  function mediaError(el) {
    const codes = { 1: "aborted", 2: "network error", 3: "decode error", 4: "not supported" };
    const e = el.error;
    return e ? (codes[e.code] || "error " + e.code) + (e.message ? " (" + e.message + ")" : "") : "error";
  }

  // Resolve once ready() holds (checked now and on each of the element's events), reject on
  // a media error or after VIDEO_GIVE_UP_MS.
  function until(el, ready, events, what) {
    return new Promise((resolve, reject) => {
      const done = (fn, value) => {
        clearTimeout(timer);
        events.forEach((name) => el.removeEventListener(name, check));
        el.removeEventListener("error", fail);
        fn(value);
      };
      const check = () => { if (el.error) fail(); else if (ready()) done(resolve); };
      const fail = () => done(reject, new Error(mediaError(el)));
      const timer = setTimeout(
        () => done(reject, new Error("stalled: " + what + " after " + VIDEO_GIVE_UP_MS / 1000 + " s")), VIDEO_GIVE_UP_MS);
      events.forEach((name) => el.addEventListener(name, check));
      el.addEventListener("error", fail);
      check();
    });
  }

  // Give the layer this verified blob and wait for its first frame.
  async function loadVideo(el, src) {
    if (el.getAttribute("src") !== src) {
      el.muted = true;  // autoplay without a gesture needs a silent video
      el.src = src;
      el.load();
    }
    await until(el, () => el.readyState >= 2, ["loadeddata", "canplay"], "no picture");
  }

  // Seek to the rule's position for an item that began at startedAt, aimed as far ahead as the
  // last seek took, so that the video is where the rule says when the seek is done.
  async function seek(el, item, startedAt) {
    const began = Date.now();
    const seconds = positionAt(item, startedAt, began + seekLead);
    if (Math.abs(el.currentTime - seconds) < 0.04 && !el.seeking) return;
    el.currentTime = seconds;
    await until(el, () => !el.seeking && el.readyState >= 2, ["seeked", "canplay"], "seeking");
    seekLead = Math.min(MAX_SEEK_LEAD_MS, Date.now() - began);
  }

  // The video layer for this item, playing at the rule's position; throws when it cannot play.
  async function prepareVideo(item, startedAt) {
    const el = freeVideo();
    await loadVideo(el, await blobOf(item.video));
    await seek(el, item, startedAt);
    await el.play();
    return el;
  }

  function videoFailed(item, e, remember) {
    error("video of " + item.title + " not played, its still shows: " + e.message);
    if (remember) refusedVideos.set(item.video.sha256, e.message);
  }

  // A decoding error or a stall while the video is on screen: its still takes over now, for the
  // rest of the turn (the same play). A broken file is not tried again; a stall is, later.
  async function videoBroke(el, message, remember) {
    const s = onScreen;
    if (el !== frontEl || !s || !s.item || !s.videoAt || !wantsVideo(s.item)) return;
    videoFailed(s.item, new Error(message), remember);
    s.videoAt = null;
    let src;
    try { src = await preload(s.item.media); }
    catch (e) { error("not showing " + s.item.title + ": " + e.message); return; }
    if (onScreen !== s) return;
    const img = freeImage();
    img.src = src;
    img.alt = s.item.alt_text || s.item.title;
    Object.assign(img.dataset, el.dataset);
    reveal(img, 0);
    s.retryAt = remember ? 0 : Date.now() + VIDEO_RETRY_MS;
  }
  videos.forEach((v) => v.addEventListener("error", () => videoBroke(v, mediaError(v), true)));

  // Called on each tick: a playing video whose clock stands still has stalled; one that drifted
  // from the rule is put back.
  function watchVideo(now) {
    const el = frontEl, s = onScreen;
    if (el.tagName !== "VIDEO" || !s || !s.item || !s.videoAt || el.paused) { watch = null; return; }
    if (!watch || watch.el !== el || watch.time !== el.currentTime) {
      watch = { el, time: el.currentTime, since: now };
    } else if (now - watch.since > STALL_MS) {
      watch = null;
      videoBroke(el, "stalled: the video's clock stood still for " + STALL_MS / 1000 + " s", false);
      return;
    }
    const want = positionAt(s.item, s.videoAt, now), length = Number(s.item.video.duration_s);
    const off = Math.abs(el.currentTime - want);
    const limit = Math.min(DRIFT_S, length / 4);  // a short loop is never more than length/2 off
    if (Math.min(off, length - off) > limit && !el.seeking && now - corrected > DRIFT_EVERY_MS) {
      corrected = now;
      el.currentTime = positionAt(s.item, s.videoAt, now + seekLead);
    }
  }

  // Presenting an item: stills and videos ----------------------------------------------------

  // The layer that shows this item, ready: its video playing, or its still decoded. A video
  // still seeking after VIDEO_READY_MS goes on in the background: {el: the still, late: the
  // video's promise}, and the video takes over when it plays (see present).
  async function prepare(item, startedAt) {
    let late = null;
    if (wantsVideo(item)) {
      const attempt = prepareVideo(item, startedAt);
      let timer;
      const slow = new Promise((resolve) => { timer = setTimeout(() => resolve(null), VIDEO_READY_MS); });
      try {
        const el = await Promise.race([attempt, slow]);
        if (el) return { el, late: null };
        late = attempt;
      } catch (e) { videoFailed(item, e, !/^stalled/.test(e.message)); }
      finally { clearTimeout(timer); }
    }
    const live = liveFrameNow(item, Date.now());  // a live item opens on its newest frame
    const src = live ? live.src : await preload(item.media);
    const el = freeImage();
    el.src = src;
    el.alt = item.alt_text || item.title;
    el.dataset.liveSequence = live ? String(live.sequence) : "";
    return { el, late };
  }

  // Cut from the still that stands in to the video once it plays, in the same turn.
  function takeOver(s, el) {
    if (onScreen !== s || s.videoAt || !wantsVideo(s.item)) return;
    el.dataset.itemId = String(s.item.item_id);
    el.dataset.artworkId = String(s.item.artwork_id);
    el.dataset.startedAt = String(s.startedAt);
    reveal(el, 0);
    s.videoAt = s.startedAt;
    s.retryAt = 0;
  }

  // Fade `el` in over the layer on screen (or cut when ms is 0); the others go dark.
  function reveal(el, ms) {
    const old = frontEl;
    el.style.transition = "none";
    el.classList.remove("shown");
    void el.offsetWidth;  // commit the hidden state before fading in
    el.style.transition = ms ? "opacity " + ms + "ms linear" : "none";
    old.style.transition = ms ? "opacity " + ms + "ms linear" : "none";
    el.classList.add("shown");
    for (const l of layers) {
      if (l !== el) l.classList.remove("shown");
      l.style.zIndex = l === el ? "2" : l === old ? "1" : "0";
      if (l.tagName === "VIDEO" && l !== el && l !== old) l.pause();
    }
    frontEl = el;
    if (old.tagName === "VIDEO" && old !== el) {
      setTimeout(() => { if (old !== frontEl) old.pause(); }, ms + 100);  // once faded out
    }
    if (old.tagName === "IFRAME" && old !== el) {  // a piece stops once faded out, never runs hidden
      setTimeout(() => { if (old !== frontEl) old.removeAttribute("src"); }, ms + 100);
    }
  }

  async function present(showing, version) {
    const item = showing.item;
    const key = item ? [showing.playlistId, showing.index, showing.startedAt, item.media.sha256].join("|") : null;
    if (onScreen && onScreen.key === key && onScreen.version === version) return;
    closePlay(Date.now());
    if (!item) {
      layers.forEach((l) => { l.classList.remove("shown"); l.removeAttribute("src"); if (l.pause) l.pause(); });
      showOverlay(null);
      onScreen = { key, version };
      return;
    }
    onScreen = { key, version, pending: true };
    let el, late;
    try { ({ el, late } = await prepare(item, showing.startedAt)); }
    catch (e) { error("not showing " + item.title + ": " + e.message); onScreen = null; return; }
    if (!onScreen || onScreen.key !== key) return;  // time moved on while decoding
    el.dataset.itemId = String(item.item_id);
    el.dataset.artworkId = String(item.artwork_id);
    el.dataset.startedAt = String(showing.startedAt);
    reveal(el, showing.fadeRemaining > 0 ? showing.fadeRemaining : 0);
    showOverlay(item);
    const isVideoLayer = el.tagName === "VIDEO";
    onScreen = {
      key, version, item, playlist: showing.playlistName, since: Date.now(), endsAt: showing.endsAt,
      startedAt: showing.startedAt, videoAt: isVideoLayer ? showing.startedAt : null,
      retryAt: 0, fadeEnds: showing.fadeRemaining > 0 ? Date.now() + showing.fadeRemaining : 0,
      frames: new Set(), liveSequence: null,
    };
    if (wantsGenerative(item)) runGenerative(onScreen);
    if (late) {
      const s = onScreen;
      error("video of " + item.title + " not ready after " + VIDEO_READY_MS / 1000 + " s: its still stands in");
      late.then((v) => takeOver(s, v)).catch((e) => {
        videoFailed(item, e, !/^stalled/.test(e.message));
        if (onScreen === s) s.retryAt = Date.now() + VIDEO_RETRY_MS;
      });
    }
    document.body.dataset.showing = item.media.sha256;
  }

  // The still stands in for a video that was not ready in time: try the video again, and cut
  // to it once it plays (the same turn: no new play is recorded).
  async function retryVideo(now) {
    const s = onScreen;
    if (!s || !s.item || !s.retryAt || now < s.retryAt || !wantsVideo(s.item)) return;
    s.retryAt = 0;  // one attempt at a time
    let el;
    try { el = await prepareVideo(s.item, s.startedAt); }
    catch (e) {
      videoFailed(s.item, e, !/^stalled/.test(e.message));
      if (onScreen === s) s.retryAt = Date.now() + VIDEO_RETRY_MS;
      return;
    }
    takeOver(s, el);
  }

  // Make the next item ready before its turn: its still decoded, or its video loaded (first
  // frame decoded) in the free video layer. Not during a crossfade: that layer may be fading out.
  async function preloadNext(payload, showing, now) {
    const s = onScreen;
    if (!s || !s.item || s.pending || now < s.fadeEnds || showing.nextChange === null) return;
    const next = showingAt(payload, showing.nextChange);
    if (!next.item) return;
    const key = [next.playlistId, next.index, next.startedAt, next.item.media.sha256].join("|");
    if (preloadedKey === key) return;
    preloadedKey = key;
    try {
      if (wantsVideo(next.item)) {
        const el = freeVideo();
        await loadVideo(el, await blobOf(next.item.video));
        if (el !== frontEl && el.paused && el.currentTime !== 0) el.currentTime = 0;  // its start
      } else {
        await preload(next.item.media);
      }
    } catch (e) { preloadedKey = null; /* reported when its turn comes */ }
  }

  function tick() {
    clearTimeout(tickTimer);
    const now = Date.now();
    let wait = 1000;
    if (current) {
      const showing = whatPlays(current.payload, now);
      present(showing, current.payload.manifest_version);
      watchVideo(now);
      retryVideo(now);
      showLive(now);
      preloadNext(current.payload, showing, now);
      if (showing.nextChange !== null && showing.nextChange !== undefined) {
        wait = Math.min(wait, Math.max(20, showing.nextChange - now));
      }
    }
    tickAt = now + wait;
    tickTimer = setTimeout(tick, wait);
  }

  // Tick no later than `at` (a live feed's next poll, which can be sooner than a second away).
  function wakeBy(at) {
    if (at >= tickAt) return;
    clearTimeout(tickTimer);
    tickAt = at;
    tickTimer = setTimeout(tick, Math.max(20, at - Date.now()));
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
    const play = {
      id: uuid4(), artwork_sha256: s.item.media.sha256, playlist: s.playlist ? String(s.playlist).slice(0, 200) : null,
      started_at: iso(s.since), duration_s: Math.round(seconds * 1000) / 1000, manifest_version: s.version,
    };
    if (liveOf(s.item)) play.frames_shown = s.frames ? s.frames.size : 0;  // distinct frames on screen
    plays.push(play);
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
    // All or nothing: a missing file keeps the old manifest playing (a video whose bytes are
    // refused is not missing: its item has its still).
    const { videosNow, packagesNow } = await cacheAll(payload);
    if (newKeyPem) {
      // The pinned key announced this one and it signed the manifest: pin it from now on.
      const announced = await importKey(newKeyPem);
      localStorage.setItem(KEY_STORE, newKeyPem);
      key = announced.key;
      keyId = announced.id;
    }
    current = { text, payload };
    pickWords();
    refusedVideos = videosNow;
    refusedPackages = packagesNow;
    preloadedKey = null;
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
        pickWords();
        if (newKeyPem) await adopt(saved, payload, newKeyPem);
      }
      catch (e) { error("saved manifest refused: " + e.message); }
    }
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register("sw.js", { scope: "./" }).catch((e) => error("service worker: " + e.message));
    }
    canPlayH264 = videos[0].canPlayType(H264) !== "";
    if (!canPlayH264) error("this browser cannot play H.264 video: video items show their stills");
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
      src: frontEl.getAttribute("src"),
      kind: frontEl.tagName === "VIDEO" ? "video" : frontEl.tagName === "IFRAME" ? "generative" : "image",
      liveSequence: onScreen && onScreen.item ? (onScreen.liveSequence ?? null) : null,
      refusedVideos: Object.fromEntries(refusedVideos),
      refusedPackages: Object.fromEntries(refusedPackages),
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
