/* Urban Art web player service worker: keeps the player shell and cached media available offline.
   The page fills the media cache itself (Cache API); this worker only answers from it first.
   A generative work's offline copy (gen/<package sha256>/index.html under this folder, made by
   player.js from the package's verified files) is answered from the cache only, never the
   network, always with GENERATIVE_CSP: the sandbox (an opaque origin, scripts only, as the
   frame's sandbox attribute gives a piece run from the hub) and the package CSP (no network). */
"use strict";
const SHELL = "urbanart-player-shell-v1";
const MEDIA = "urbanart-media-v1";
const SHELL_FILES = ["index.html", "player.js", "player.css"];
// "sandbox allow-scripts; " + urbanart.protocol.tree_layout.GENERATIVE_CSP (a test keeps them equal).
const GENERATIVE_CSP = "sandbox allow-scripts; default-src 'none'; script-src 'self' 'unsafe-inline'; " +
  "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self'; connect-src 'none'";
const GENERATIVE_COPY = /^gen\/[0-9a-f]{64}\/index\.html$/;

async function generativeCopy(url) {
  const hit = await (await caches.open(MEDIA)).match(url.origin + url.pathname);
  if (!hit) return new Response("", { status: 404, headers: { "Content-Security-Policy": GENERATIVE_CSP } });
  return new Response(await hit.blob(), {
    headers: {
      "Content-Type": "text/html; charset=utf-8",
      "Content-Security-Policy": GENERATIVE_CSP,
      "Referrer-Policy": "no-referrer",
      "X-Content-Type-Options": "nosniff",
    },
  });
}

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((c) => c.addAll(SHELL_FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => { event.waitUntil(self.clients.claim()); });

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.includes("/media/") && !url.pathname.includes("/media/gen/")) {
    // Content-addressed and immutable: the cached copy is always right. (Not a package's
    // files: the page asks the hub for a piece's entry to learn whether to run it from there.)
    event.respondWith(
      caches.open(MEDIA).then((c) => c.match(url.pathname)).then((hit) => hit || fetch(request))
    );
    return;
  }
  const scope = new URL("./", self.location).pathname;
  if (url.pathname.startsWith(scope) && GENERATIVE_COPY.test(url.pathname.slice(scope.length))) {
    event.respondWith(generativeCopy(url));
    return;
  }
  if (url.pathname.startsWith(scope)) {
    // The shell: network first (updates arrive), the cached copy when offline.
    event.respondWith(
      fetch(request).then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(SHELL).then((c) => c.put(request, copy));
        }
        return response;
      }).catch(() => caches.match(request, { ignoreSearch: true }))
    );
  }
});
