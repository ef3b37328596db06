/* A live work's latest frame on a phone page (issue #13): polls the work's feed document, and
   shows the frame it names for one screen's profile (the now-playing page: the very frame that
   screen shows) or its largest (the artwork page).

   The page cannot pin the library's key as a screen does, so it does not verify the feed's
   Ed25519 signature; it does check what it cheaply can: the document is this work's feed, its
   sequence never goes backwards, a frame older than the feed's silence_s is not shown (the
   screen shows the work's still then, and so does the page), and the frame's bytes match the
   sha256 the document names (Web Crypto, where the page has it) before they are shown, from a
   blob: URL of exactly those bytes. Text is only ever set with textContent. */
(function () {
  "use strict";

  var SHA = /^[0-9a-f]{64}$/;

  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
      return (b < 16 ? "0" : "") + b.toString(16);
    }).join("");
  }

  /* The payload of the feed document, checked for shape (not for its signature, see above). */
  function payloadOf(text, feedId, after) {
    var doc = JSON.parse(text);
    var p = JSON.parse(doc.payload);
    if (p.format !== "urbanart.live.feed" || p.feed !== feedId) throw new Error("not this feed");
    if (typeof p.sequence !== "number" || p.sequence < after) throw new Error("went backwards");
    return p;
  }

  /* One screen's frame (the now-playing page), or for the work itself (the artwork page) the
     rendition closest to the proportions the generator sent (each profile is fitted to a
     screen's shape, bars and all), the largest among equals. */
  function pick(frames, profile, source) {
    if (profile) return frames[profile] || null;
    var want = source && source.width > 0 && source.height > 0 ? source.width / source.height : 0;
    function off(f) { return want ? Math.abs(Math.log(f.width / f.height / want)) : 0; }
    var best = null;
    Object.keys(frames).forEach(function (key) {
      var f = frames[key];
      if (!(f.width > 0 && f.height > 0)) return;
      var better = !best || off(f) < off(best) - 0.01 ||
        (Math.abs(off(f) - off(best)) <= 0.01 && f.width * f.height > best.width * best.height);
      if (better) best = f;
    });
    return best;
  }

  /* The frame's bytes as a blob: URL, when they match its sha256 (checked where Web Crypto is
     available: a secure page; elsewhere the document's own URL is trusted like any page image). */
  function verifiedSrc(root, frame) {
    if (!(window.crypto && window.crypto.subtle && window.fetch)) {
      return Promise.resolve(root + frame.url.replace(/^\//, ""));
    }
    return fetch(root + frame.url.replace(/^\//, "")).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.arrayBuffer();
    }).then(function (body) {
      return window.crypto.subtle.digest("SHA-256", body).then(function (digest) {
        if (hex(digest) !== frame.sha256) throw new Error("the frame does not match its sha256");
        return URL.createObjectURL(new Blob([body], { type: "image/jpeg" }));
      });
    });
  }

  /* Follow one feed: spec {root, feed (tree path of feed.json), profile (or null), interval_s};
     onFrame({src, sequence, keepUrl}) for each new frame shown, onFrame(null) when the feed has
     none or falls silent. Returns a function that stops following. */
  function follow(spec, onFrame) {
    var feedId = String(spec.feed).split("/")[1];
    /* twice per interval, as the screens poll (POLLS_PER_INTERVAL in
       urbanart/player/live_feed_client.py): the page sees every frame the screen shows */
    var interval = Math.max(1000, Number(spec.interval_s) * 1000 || 5000) / 2;
    var sequence = 0, text = null, payload = null, shownSha = null, shownSrc = null;
    var stopped = false, timer = null;

    function silent() {
      return !payload || Date.now() - Date.parse(payload.time) > Number(payload.silence_s) * 1000;
    }

    function show(frame, p) {
      if (!frame || silent()) {
        if (shownSha !== null) { shownSha = null; onFrame(null); }
        return Promise.resolve();
      }
      if (frame.sha256 === shownSha) return Promise.resolve();
      if (!SHA.test(String(frame.sha256)) || String(frame.url).indexOf("/live/") !== 0) {
        return Promise.resolve();
      }
      return verifiedSrc(spec.root, frame).then(function (src) {
        if (stopped) return;
        var old = shownSrc;
        shownSha = frame.sha256;
        shownSrc = src;
        onFrame({
          src: src, sequence: p.sequence, sha256: frame.sha256,
          width: Number(frame.width) || 0, height: Number(frame.height) || 0,
          keepUrl: p.keep_url ? spec.root + String(p.keep_url).replace(/^\//, "") : null
        });
        if (old && old.indexOf("blob:") === 0) {
          window.setTimeout(function () { URL.revokeObjectURL(old); }, 5000);
        }
      });
    }

    function poll() {
      if (stopped) return;
      fetch(spec.root + spec.feed, { cache: "no-cache" }).then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      }).then(function (body) {
        if (body !== text) {
          var p = payloadOf(body, feedId, sequence);
          text = body;
          payload = p;
          sequence = p.sequence;
        }
      }).catch(function () {
        /* offline, or a document refused: the last frame stays until its silence_s */
      }).then(function () {
        return show(payload ? pick(payload.frames || {}, spec.profile, payload.source) : null, payload);
      }).catch(function () {
        /* a frame that does not match its sha256 is never shown */
      }).then(function () {
        if (!stopped) timer = window.setTimeout(poll, interval);
      });
    }

    poll();
    return function () {
      stopped = true;
      window.clearTimeout(timer);
    };
  }

  window.urbanartLive = { follow: follow };

  /* A picture (an <img>, maybe in a <picture>) shows a live frame, or its own still again,
     each at its own proportions (a portrait title card must not letterbox a landscape frame). */
  function showIn(img, frame) {
    if (!img.dataset.still) {
      img.dataset.still = img.getAttribute("src") || "";
      img.dataset.stillSrcset = img.getAttribute("srcset") || "";
      img.dataset.stillWidth = img.getAttribute("width") || "";
      img.dataset.stillHeight = img.getAttribute("height") || "";
    }
    var width = frame && frame.width ? String(frame.width) : img.dataset.stillWidth;
    var height = frame && frame.height ? String(frame.height) : img.dataset.stillHeight;
    if (width && height) {
      img.setAttribute("width", width);
      img.setAttribute("height", height);
    }
    var sources = img.parentNode && img.parentNode.tagName === "PICTURE"
      ? img.parentNode.querySelectorAll("source") : [];
    Array.prototype.forEach.call(sources, function (source) { source.disabled = !!frame; });
    if (frame) {
      Array.prototype.forEach.call(sources, function (source) {
        if (!source.dataset.srcset) source.dataset.srcset = source.getAttribute("srcset") || "";
        source.removeAttribute("srcset");
      });
      img.removeAttribute("srcset");
      img.src = frame.src;
      img.dataset.liveSequence = String(frame.sequence);
      img.dataset.liveSha256 = frame.sha256;
    } else {
      Array.prototype.forEach.call(sources, function (source) {
        if (source.dataset.srcset) source.setAttribute("srcset", source.dataset.srcset);
      });
      if (img.dataset.stillSrcset) img.setAttribute("srcset", img.dataset.stillSrcset);
      img.src = img.dataset.still;
      img.dataset.liveSequence = "";
      img.dataset.liveSha256 = "";
    }
  }

  /* "Keep this image": a download of the frame when the artist allows it (keep_url). */
  function keepLink(line, link, frame) {
    if (!line || !link) return;
    line.hidden = !(frame && frame.keepUrl);
    if (frame && frame.keepUrl) {
      link.href = frame.keepUrl;
      link.setAttribute("download", "live-" + frame.sequence + ".jpg");
    }
  }
  window.urbanartLive.showIn = showIn;
  window.urbanartLive.keepLink = keepLink;

  /* The artwork page of a live work: its latest frame in place of the still. */
  var work = document.getElementById("live-work");
  var image = document.getElementById("work-image");
  if (work && image) {
    follow(
      { root: work.getAttribute("data-root") || "", feed: work.getAttribute("data-feed"),
        profile: null, interval_s: Number(work.getAttribute("data-interval")) },
      function (frame) {
        showIn(image, frame);
        var zoomed = document.querySelector("#zoom img");
        if (zoomed) showIn(zoomed, frame);
        keepLink(document.getElementById("live-keep-line"), document.getElementById("live-keep"), frame);
      }
    );
  }
}());
