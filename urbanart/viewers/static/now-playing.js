/* The "now playing" page: which work is on the screen right now, from the screen's programme
   and this device's clock alone (docs/published-tree.md, "Which item plays when").

   The programme comes in two halves. What plays when (the window, the timeline, each playlist's
   items in order with their durations) is the screen's programme.json, the same for every
   language, fetched with revalidation (a duration edit changes that file and no page). What
   this version of the page shows of each work and playlist (title, artist, links, images) is
   embedded in the page (#works), keyed by id. The two are joined here: data naming a work or
   playlist the page does not know comes from a newer release than the page, which reloads once
   (sessionStorage remembers which data it reloaded for, so it never loops) and else shows the
   item plainly, linked to its page. Without the data (offline) the page says so.

   Inside a timeline segment that plays playlist P from instant S, the item at t is found from
   (t - S) mod total(P), items in order, each for its duration. Outside the programme's window
   the default playlist loops from the nearest window edge, as the players do. Arithmetic is in
   whole milliseconds, like the players'. A video item that began at s shows position
   (t - s) mod its video's length: the page plays the screen's own video from there and says
   where it is ("0:12 of 0:30"). A live item (a generator's frames) shows the very frame the
   screen shows now: the page follows the work's feed for the screen's profile (live-frame.js)
   and offers "Keep this image" when the artist allows it. A generative item shows its still
   with "Tap to start", which runs the piece (generative.js) told this screen's id and the
   slot's seed, so the phone draws the very variation the screen shows, at the phone's size.
   Text is only ever set with textContent. */
(function () {
  "use strict";

  var source = document.getElementById("works");
  if (!source) return;
  var page = JSON.parse(source.textContent);
  var root = page.root;
  var strings = JSON.parse((document.getElementById("ui-strings") || source).textContent);
  var lang = document.documentElement.lang || undefined;
  var data = null;

  /* A sentence in the page's language, its {names} filled in (the page carries the strings). */
  function say(key, values) {
    var text = String(strings[key] || "");
    return text.replace(/\{(\w+)\}/g, function (whole, name) {
      return values && values[name] !== undefined ? String(values[name]) : whole;
    });
  }

  /* A curator's text in another language than the page's is marked as such. */
  function textLang(node, code) {
    if (code && code !== lang) node.lang = code;
    else node.removeAttribute("lang");
  }

  function el(id) { return document.getElementById(id); }
  function ms(text) { return Date.parse(text); }
  function lengthMs(item) { return Math.max(1, Math.round(Number(item.duration_s) * 1000)); }

  var windowFrom = null, windowUntil = null, segments = [];

  /* A work the page does not know (its data is newer than the page): named plainly, linked to
     its page, which the newer release has. */
  function plainWork(aid) {
    return {
      artwork_id: aid, title: say("unknown_work"), title_lang: null, artist: "",
      artist_url: null, license: "", license_url: null, ai_disclosure: "", year: null,
      url: "a/" + aid + "/" + (page.suffix || ""), img: null, srcset: [], thumb: null,
      generative: null
    };
  }

  /* The programme's timing joined with the page's works and playlists; `missing` counts what
     the page does not know. */
  function join(timing) {
    var joined = { playlists: {}, missing: 0, version: String(timing.version || "") };
    Object.keys(timing.playlists).forEach(function (pid) {
      var shown = page.playlists[pid];
      if (!shown) {
        joined.missing += 1;
        shown = { name: "", url: "p/" + pid + "/" + (page.suffix || "") };
      }
      joined.playlists[pid] = {
        name: shown.name,
        url: shown.url,
        items: timing.playlists[pid].items.map(function (timed) {
          var work = page.works[String(timed.artwork_id)];
          if (!work) {
            joined.missing += 1;
            work = plainWork(timed.artwork_id);
          }
          var item = {};
          Object.keys(work).forEach(function (key) { item[key] = work[key]; });
          item.artwork_id = timed.artwork_id;
          item.duration_s = timed.duration_s;
          item.video = timed.video || null;
          item.live = timed.live || null;
          return item;
        })
      };
    });
    joined.window = timing.window;
    joined.timeline = timing.timeline;
    joined.default_playlist = timing.default_playlist;
    joined.screen = page.screen;
    return joined;
  }

  /* Reload once for data newer than the page; true when the page is reloading. */
  function reloadForNewer(version) {
    var key = "urbanart-reloaded:" + window.location.pathname;
    try {
      if (window.sessionStorage.getItem(key) === version) return false;
      window.sessionStorage.setItem(key, version);
    } catch (err) {
      return false; /* no memory of a reload: no reload, so never a loop */
    }
    window.location.reload();
    return true;
  }

  function start(timing) {
    data = join(timing);
    if (data.missing && reloadForNewer(data.version)) return;
    windowFrom = ms(data.window.from);
    windowUntil = ms(data.window.until);
    segments = data.timeline.map(function (s) {
      return { start: ms(s.start), end: ms(s.end), playlist: s.playlist };
    });
    tick();
    window.setInterval(tick, 1000);
  }

  function offline() {
    var notice = el("notice");
    notice.textContent = say("no_programme");
    notice.hidden = false;
  }

  /* The item of playlist pid at instant t when it loops from anchor. */
  function cycle(pid, anchor, t, limit) {
    var playlist = pid ? data.playlists[pid] : null;
    var items = playlist ? playlist.items : [];
    if (!items.length) return { item: null, pid: pid, changeAt: limit };
    var total = 0;
    for (var i = 0; i < items.length; i++) total += lengthMs(items[i]);
    var offset = (((t - anchor) % total) + total) % total;
    var index = 0;
    while (offset >= lengthMs(items[index])) {
      offset -= lengthMs(items[index]);
      index += 1;
    }
    var started = t - offset;
    var ends = started + lengthMs(items[index]);
    return {
      item: items[index], index: index, pid: pid, playlist: playlist, started: started,
      changeAt: limit === null ? ends : Math.min(ends, limit)
    };
  }

  /* What is on screen at t; `state` says whether t is inside the programme's window. */
  function showingAt(t) {
    for (var i = 0; i < segments.length; i++) {
      var s = segments[i];
      if (s.start <= t && t < s.end) {
        var inside = cycle(s.playlist, s.start, t, s.end);
        inside.state = "current";
        inside.segmentStart = s.start;
        return inside;
      }
    }
    var outside = t < windowFrom
      ? cycle(data.default_playlist, windowFrom, t, windowFrom)
      : cycle(data.default_playlist, windowUntil, t, null);
    outside.state = t < windowFrom ? "early" : "ended";
    return outside;
  }

  /* What was on screen just before the current thing began (null when nothing or the same). */
  function justBefore(now) {
    var began = now.item ? now.started : now.segmentStart;
    if (began === undefined || began === null) return null;
    var before = showingAt(began - 1);
    if (!before.item) return null;
    if (now.item && before.item.artwork_id === now.item.artwork_id) return null;
    return before;
  }

  function picture(item, className, sizes, alt) {
    if (!item.img) return null;
    var img = document.createElement("img");
    img.className = className;
    img.alt = alt;
    img.setAttribute("dir", item.alt_dir || "auto");
    if (item.alt_lang && item.alt_lang !== lang) img.lang = item.alt_lang;
    img.src = root + item.img;
    if (item.width && item.height) {
      img.width = item.width;
      img.height = item.height;
    }
    if (item.srcset.length) {
      img.srcset = item.srcset.map(function (p) { return root + p[0] + " " + p[1] + "w"; }).join(", ");
      img.sizes = sizes;
    }
    return img;
  }

  /* Where in its video an item that began at `started` is at t, in ms (null for a still). */
  function videoPositionMs(item, started, t) {
    if (!item.video) return null;
    var length = Math.max(1, Math.round(Number(item.video.duration_s) * 1000));
    return (((t - started) % length) + length) % length;
  }

  function clockText(msValue) {
    var seconds = Math.floor(msValue / 1000);
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    return minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function positionText(item, positionMs) {
    var length = Math.round(Number(item.video.duration_s) * 1000);
    return say("video_position", { position: clockText(positionMs), length: clockText(length) });
  }

  /* The screen's own video, muted and looping, started where the screen is; on any error
     the poster (the screen's still) stays, as on the screen itself. */
  function movingPicture(item, started, alt) {
    var video = document.createElement("video");
    video.className = "current-image current-video";
    video.muted = true;
    video.defaultMuted = true;
    video.loop = true;
    video.autoplay = true;
    video.playsInline = true;
    video.setAttribute("muted", "");
    video.setAttribute("playsinline", "");
    video.setAttribute("aria-label", alt);
    video.preload = "auto";
    if (item.img) video.poster = root + item.img;
    if (item.video.width && item.video.height) {
      video.width = item.video.width;
      video.height = item.video.height;
    }
    video.addEventListener("loadedmetadata", function () {
      var at = videoPositionMs(item, started, Date.now());
      try { video.currentTime = at / 1000; } catch (err) { /* the poster stays */ }
      var playing = video.play();
      if (playing && playing.catch) playing.catch(function () { /* autoplay refused: poster */ });
    });
    video.src = root + item.video.src;
    return video;
  }

  function thumbnail(item) {
    if (!item.thumb) return null;
    var img = document.createElement("img");
    img.className = "card-image";
    img.alt = "";
    img.src = root + item.thumb;
    img.width = item.thumb_width;
    img.height = item.thumb_height;
    return img;
  }

  function replaceChild(frame, child) {
    while (frame.firstChild) frame.removeChild(frame.firstChild);
    if (child) frame.appendChild(child);
  }

  function year(item) {
    return item.year === null || item.year === undefined ? "" : ", " + item.year;
  }

  function artistLink(link, item) {
    link.setAttribute("dir", "auto");
    link.textContent = item.artist;
    if (item.artist_url) link.href = root + item.artist_url;
    else link.removeAttribute("href");
  }

  function card(prefix, item) {
    el(prefix + "-title").href = root + item.url;
    el(prefix + "-title").textContent = item.title;
    textLang(el(prefix + "-title"), item.title_lang);
    replaceChild(el(prefix + "-frame"), thumbnail(item));
    artistLink(el(prefix + "-artist"), item);
  }

  function timeText(instant) {
    try {
      return new Date(instant).toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" });
    } catch (err) {
      return new Date(instant).toTimeString().slice(0, 5);
    }
  }

  function dateText(instant) {
    try {
      return new Date(instant).toLocaleString(lang, { dateStyle: "medium", timeStyle: "short" });
    } catch (err) {
      return new Date(instant).toString();
    }
  }

  function showNotice(now) {
    var notice = el("notice");
    if (now.state === "ended") {
      notice.textContent = say("out_of_date", { date: dateText(windowUntil) });
    } else if (now.state === "early") {
      notice.textContent = say("too_early", { date: dateText(windowFrom) });
    }
    notice.hidden = now.state === "current";
  }

  /* What comes on when the current thing ends (null when nothing, or the same work again). */
  function upNext(now) {
    if (now.changeAt === null || now.changeAt === undefined) return null;
    var next = showingAt(now.changeAt);
    if (!next.item) return null;
    if (now.item && next.item.artwork_id === now.item.artwork_id) return null;
    next.from = now.changeAt;
    return next;
  }

  var stopLive = null;

  /* Follow a live item's feed: its frame for this screen's profile replaces the still. */
  function followLive(item) {
    if (stopLive) { stopLive(); stopLive = null; }
    var note = el("current-live"), keepLine = el("current-keep-line");
    if (note) note.hidden = !(item && item.live);
    if (keepLine) keepLine.hidden = true;
    if (!item || !item.live || !window.urbanartLive) return;
    stopLive = window.urbanartLive.follow(
      { root: root, feed: item.live.feed, profile: item.live.profile, interval_s: item.live.interval_s },
      function (frame) {
        var img = el("current-image-link").querySelector("img");
        if (img) window.urbanartLive.showIn(img, frame);
        window.urbanartLive.keepLink(keepLine, el("current-keep"), frame);
      }
    );
  }

  /* A generative item: its still and "Tap to start" instead of the linked still (null when the
     page cannot run it: the linked still shows, as for any work). */
  function offerGenerative(now) {
    var holder = el("current-generative"), template = el("current-start");
    var generative = window.urbanartGenerative, item = now.item;
    if (!holder || !template || !generative || !item || !item.generative) return false;
    var seed = generative.slotSeed(data.screen.id, now.started);
    if (!seed) return false;
    var still = picture(item, "current-image", "(min-width: 50rem) 50rem, 100vw", item.alt);
    var start = template.content.firstElementChild.cloneNode(true);
    start.setAttribute("data-title", item.title);
    replaceChild(holder, still);
    holder.appendChild(start);
    holder.setAttribute("data-started-at", String(now.started));
    return generative.offer(holder, start, root + item.generative.src, function (width, height) {
      return seed.then(function (value) {
        return "screen=" + data.screen.id + "&width=" + width + "&height=" + height + "&seed=" + value;
      });
    });
  }

  function showGenerative(now) {
    var holder = el("current-generative");
    if (!holder) return;
    var offered = offerGenerative(now);
    holder.hidden = !offered;
    el("current-generative-note").hidden = !offered;
    el("current-image-link").hidden = offered;
    if (!offered) replaceChild(holder, null);
  }

  function render(now) {
    showNotice(now);
    var item = now.item;
    el("current").hidden = !item;
    el("nothing").hidden = !!item;
    if (item) {
      el("current-link").href = root + item.url;
      el("current-image-link").href = root + item.url;
      replaceChild(el("current-image-link"), item.video
        ? movingPicture(item, now.started, item.alt)
        : picture(item, "current-image", "(min-width: 50rem) 50rem, 100vw", item.alt));
      el("current-title").textContent = item.title;
      textLang(el("current-title"), item.title_lang);
      artistLink(el("current-artist"), item);
      el("current-year").textContent = year(item);
      el("current-ai").textContent = item.ai_disclosure;
      var licenseLink = el("current-license-link");
      licenseLink.hidden = !item.license_url;
      licenseLink.textContent = item.license_url ? item.license : "";
      if (item.license_url) licenseLink.href = item.license_url;
      el("current-license").textContent = item.license_url ? "" : item.license;
      el("current-playlist").href = root + now.playlist.url;
      el("current-playlist").textContent = now.playlist.name;
      var share = document.querySelector("#current .share");
      if (share) {
        share.setAttribute("data-url", new URL(root + item.url, window.location.href).href);
        share.setAttribute("data-title", item.title + " — " + item.artist);
        var status = share.querySelector(".share-status");
        if (status) status.textContent = "";
      }
      el("announce").textContent = say("now_on_screen", { title: item.title, artist: item.artist });
      document.title = say("now_title", { title: item.title, screen: data.screen.name });
    } else {
      el("announce").textContent = say("nothing");
    }
    var next = upNext(now);
    el("next").hidden = !next;
    if (next) {
      card("next", next.item);
      var when = el("next-time-text").content.cloneNode(true);
      var time = when.querySelector("time");
      time.setAttribute("datetime", new Date(next.from).toISOString());
      time.textContent = timeText(next.from);
      replaceChild(el("next-time"), when);
    }
    var before = justBefore(now);
    el("before").hidden = !before;
    if (before) card("before", before.item);
    followLive(item);
    showGenerative(now);
    el("live").hidden = false;
  }

  function remaining(now, t) {
    if (!now.item || now.changeAt === null) return "";
    var seconds = Math.max(1, Math.ceil((now.changeAt - t) / 1000));
    if (seconds < 90) return say("changes_in_s", { n: seconds });
    return say("changes_in_min", { n: Math.round(seconds / 60) });
  }

  var shown = null;
  function tick() {
    var t = Date.now();
    var now = showingAt(t);
    var key = now.item
      ? [now.state, now.pid, now.index, now.started].join("|")
      : ["nothing", now.state, now.pid].join("|");
    if (key !== shown) {
      render(now);
      shown = key;
    }
    el("current-time").textContent = remaining(now, t);
    var position = el("current-position");
    var at = now.item ? videoPositionMs(now.item, now.started, t) : null;
    position.hidden = at === null;
    position.textContent = at === null ? "" : positionText(now.item, at);
  }

  fetch(root + page.programme, { cache: "no-cache" }).then(function (response) {
    if (!response.ok) throw new Error("HTTP " + response.status);
    return response.json();
  }).then(start, offline);
}());
