/* A generative work on a phone page (the artwork page, the now-playing page): its still with a
   "Tap to start" button; the tap runs the piece in a sandboxed iframe the size of the still,
   scripts only (no same-origin, so no cookies, storage or reach into the page; the hub serves
   the package with a CSP that allows no network). One place for both pages, so both are
   exactly as safe as the web player's frame. */
(function () {
  "use strict";

  function hex(bytes) {
    return Array.prototype.map.call(new Uint8Array(bytes), function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  /* The seed a screen's slot gets (urbanart.protocol.live_feed.generative_seed, the players'
     rule): sha256("<screen id>:<slot start, whole seconds>")[:16] in hex, so the phone draws
     the variation that screen shows. Needs Web Crypto (HTTPS or localhost): null without. */
  function slotSeed(screenId, startedMs) {
    if (!window.crypto || !crypto.subtle || !window.TextEncoder) return null;
    var text = screenId + ":" + Math.floor(startedMs / 1000);
    return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)).then(function (d) {
      return hex(d).slice(0, 16);
    });
  }

  /* A fresh seed: on the artwork page each start is a new picture. */
  function randomSeed() {
    return hex(crypto.getRandomValues(new Uint8Array(8)));
  }

  /* Reveal `start` over `holder` (which shows the still); a tap replaces the holder's content
     with the piece at `src`, told query(width, height) (a string, or a promise of one) with the
     still's size in CSS pixels. Returns false when this browser cannot run it (the still stays). */
  function offer(holder, start, src, query) {
    if (!window.crypto || !crypto.getRandomValues) return false;
    start.addEventListener("click", function () {
      var still = holder.querySelector("img");
      var box = (still || holder).getBoundingClientRect();
      var width = Math.max(1, Math.round(box.width)), height = Math.max(1, Math.round(box.height));
      Promise.resolve(query(width, height)).then(function (text) {
        var frame = document.createElement("iframe");
        frame.setAttribute("sandbox", "allow-scripts");
        frame.setAttribute("referrerpolicy", "no-referrer");
        frame.setAttribute("title", start.getAttribute("data-title") || "");
        frame.className = "generative-frame";
        frame.style.width = width + "px";
        frame.style.height = height + "px";
        frame.src = src + "?" + text;
        while (holder.firstChild) holder.removeChild(holder.firstChild);
        holder.appendChild(frame);
      });
    });
    start.hidden = false;
    return true;
  }

  window.urbanartGenerative = { offer: offer, slotSeed: slotSeed, randomSeed: randomSeed };
}());
