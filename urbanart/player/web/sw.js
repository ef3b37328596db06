/* Urban Art web player service worker: keeps the player shell and cached media available offline.
   The page fills the media cache itself (Cache API); this worker only answers from it first. */
"use strict";
const SHELL = "urbanart-player-shell-v1";
const MEDIA = "urbanart-media-v1";
const SHELL_FILES = ["index.html", "player.js", "player.css"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((c) => c.addAll(SHELL_FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => { event.waitUntil(self.clients.claim()); });

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.includes("/media/")) {
    // Content-addressed and immutable: the cached copy is always right.
    event.respondWith(
      caches.open(MEDIA).then((c) => c.match(url.pathname)).then((hit) => hit || fetch(request))
    );
    return;
  }
  if (url.pathname.startsWith(new URL("./", self.location).pathname)) {
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
