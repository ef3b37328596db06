/* The artwork page: tap the work (or its "Full screen" button) to see it on the whole screen;
   Escape, the Close button or a tap beside the image closes it and focus goes back. */
(function () {
  "use strict";

  var dialog = document.getElementById("zoom");
  var opener = document.getElementById("zoom-open");
  var image = document.getElementById("work-image");
  if (!dialog || !opener || typeof dialog.showModal !== "function") return;

  function show() {
    dialog.showModal();
    document.getElementById("zoom-close").focus();
  }
  opener.addEventListener("click", show);
  if (image) {
    image.classList.add("zoomable");
    image.addEventListener("click", show);
  }
  dialog.addEventListener("click", function (event) {
    if (event.target === dialog) dialog.close();  /* the backdrop, not the image */
  });
  dialog.addEventListener("close", function () { opener.focus(); });
  opener.hidden = false;
}());

/* "Where and when to see it": the page lists where (cities, screens, links) and no time; from
   this device's clock, say what is on now or the next start, in each screen's own time zone, and
   order the rows soonest first. The data (urbanart/viewers/where.py where_section: the work's
   where.json at the section's data-where, one file for every language version, revalidated on
   every load) lists each distinct "plays" once as [cycle ms, [[offset ms, length ms]…],
   [[start ms, end ms]…]]: the work starts at start + offset + n·cycle before end. "screens" maps
   a screen id to [[time zone, [plays index…]]]; a row of a screen (data-screen) takes its own, a
   city's row (data-city) the soonest of the screens it lists. The data may be another release's
   than the page's (fixed address): what it does not hold, or holds malformed, is skipped and
   keeps no time. "where-words" has the page language's names of the zones and its words. Text
   only via textContent. Without the data the rows say where and no time (without script, a
   noscript line says why); once the rows move on, the section is marked data-where-moving. */
(function () {
  "use strict";

  var section = document.querySelector("section.where[data-where]");
  if (!section || !window.fetch) return;
  var data = null;
  var words = JSON.parse(document.getElementById("where-words").textContent);
  var zones = words.zones;

  function onNow(plays, t) {
    for (var i = 0; i < plays.length; i++) {
      var cycle = plays[i][0], offsets = plays[i][1], segments = plays[i][2];
      for (var k = 0; k < segments.length; k++) {
        if (segments[k][0] <= t && t < segments[k][1]) {
          var offset = (t - segments[k][0]) % cycle;
          for (var j = 0; j < offsets.length; j++) {
            if (offsets[j][0] <= offset && offset < offsets[j][0] + offsets[j][1]) return true;
          }
        }
      }
    }
    return false;
  }

  function nextStart(plays, t) {
    var best = null;
    for (var i = 0; i < plays.length; i++) {
      var cycle = plays[i][0], offsets = plays[i][1], segments = plays[i][2];
      for (var k = 0; k < segments.length; k++) {
        var start = segments[k][0], end = segments[k][1];
        if (end <= t) continue;
        var found = null;
        for (var j = 0; j < offsets.length; j++) {
          var first = start + offsets[j][0];
          if (first < t) first += Math.ceil((t - first) / cycle) * cycle;
          if (first < end && (found === null || first < found)) found = first;
        }
        if (found !== null) {
          if (best === null || found < best) best = found;
          break;
        }
      }
    }
    return best;
  }

  function local(instant, zone) {
    try {
      return new Date(instant).toLocaleString(document.documentElement.lang || undefined, {
        timeZone: zone, weekday: "short", day: "numeric", month: "short",
        hour: "2-digit", minute: "2-digit"
      });
    } catch (err) {
      return new Date(instant).toISOString().slice(0, 16).replace("T", " ") + " UTC";
    }
  }

  function isPlays(p) {
    return Array.isArray(p) && p.length === 3 && typeof p[0] === "number" && p[0] > 0 &&
      Array.isArray(p[1]) && Array.isArray(p[2]);
  }

  /* A screen's state at t from the data: {now, next, zone}, or null when the data lacks it. */
  function screenState(sid, t) {
    var groups = Object.prototype.hasOwnProperty.call(data.screens, sid) ? data.screens[sid] : null;
    if (!Array.isArray(groups)) return null;
    var state = { now: false, next: null, zone: null };
    for (var i = 0; i < groups.length; i++) {
      if (!Array.isArray(groups[i]) || !Array.isArray(groups[i][1])) return null;
      var plays = groups[i][1].map(function (n) { return data.plays[n]; });
      if (!plays.every(isPlays)) return null;
      state.now = state.now || onNow(plays, t);
      var found = nextStart(plays, t);
      if (found !== null && (state.next === null || found < state.next)) {
        state.next = found;
        state.zone = String(groups[i][0]);
      }
    }
    return state;
  }

  /* The row's own status (not that of the screens listed inside a city's row). */
  function own(row, selector) {
    return row.querySelector(":scope > .where-next " + selector);
  }

  function setTime(time, instant, zone) {
    time.setAttribute("datetime", new Date(instant).toISOString().replace(".000Z", "Z"));
    time.textContent = local(instant, zone);
  }

  /* Show a row's state; its sort key: now first, then by next start, then those not again. */
  function showRow(row, state) {
    if (!own(row, ".where-when")) {  /* a screen a city's row lists: its time alone */
      var line = row.querySelector(":scope > .where-next");
      var shown = line.querySelector("time");
      line.hidden = !state.now && state.next === null;
      if (state.next !== null) setTime(shown, state.next, state.zone);
      if (state.now) shown.textContent = words.labels.now;
    } else {
      own(row, ".where-now").hidden = !state.now;
      own(row, ".where-when").hidden = state.next === null;
      own(row, ".where-never").hidden = state.now || state.next !== null;
      if (state.next !== null) {
        setTime(own(row, ".where-when time"), state.next, state.zone);
        var named = own(row, ".where-zone");
        if (named && Object.prototype.hasOwnProperty.call(zones, state.zone)) {
          named.textContent = zones[state.zone];
        }
      }
    }
    return state.now ? -Infinity : state.next === null ? Infinity : state.next;
  }

  /* Rows in the order of their keys (unknown ones keep their place after the known; a city's
     "Other places", data-city="", stays last); moved only when the order changes. */
  function sortRows(list, rows, keys) {
    var order = rows.map(function (row, n) { return n; });
    function rank(n) {
      return rows[n].getAttribute("data-city") === "" ? 2 : keys[n] === null ? 1 : 0;
    }
    order.sort(function (a, b) {
      return rank(a) - rank(b) || (rank(a) === 0 && keys[a] - keys[b]) || a - b;
    });
    if (order.every(function (n, i) { return n === i; })) return;
    order.forEach(function (n) { list.appendChild(rows[n]); });
  }

  function update() {
    var t = Date.now();
    var lists = section.querySelectorAll(".where-list, .where-screens");
    for (var i = 0; i < lists.length; i++) {
      var rows = Array.prototype.slice.call(lists[i].children);
      var keys = rows.map(function (row) {
        if (row.hasAttribute("data-city")) {
          var states = Array.prototype.map.call(
            row.querySelectorAll(".where-screen[data-screen]"),
            function (screen) { return screenState(screen.getAttribute("data-screen"), t); }
          ).filter(function (s) { return s !== null; });
          if (!states.length) return null;
          var city = { now: false, next: null, zone: null };
          states.forEach(function (s) {
            city.now = city.now || s.now;
            if (s.next !== null && (city.next === null || s.next < city.next)) {
              city.next = s.next;
              city.zone = s.zone;
            }
          });
          return showRow(row, city);
        }
        var state = screenState(row.getAttribute("data-screen"), t);
        return state === null ? null : showRow(row, state);
      });
      sortRows(lists[i], rows, keys);
    }
  }

  window.fetch(section.getAttribute("data-where"), { credentials: "same-origin", cache: "no-cache" })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (loaded) {
      if (!loaded || !Array.isArray(loaded.plays) || !loaded.screens ||
          typeof loaded.screens !== "object") return;
      data = loaded;
      update();
      section.setAttribute("data-where-moving", "");
      window.setInterval(update, 15000);
    })
    .catch(function () { /* the rows say where, without times */ });
}());

/* A generative work: its still shows until a tap on "Tap to start", which runs the piece in a
   sandboxed iframe (generative.js). It is told this box's size, screen 0 and a fresh seed: on a
   phone each start is a new picture. */
(function () {
  "use strict";

  var figure = document.getElementById("work-generative");
  var start = document.getElementById("generative-start");
  var generative = window.urbanartGenerative;
  if (!figure || !start || !generative) return;
  generative.offer(figure, start, figure.getAttribute("data-src"), function (width, height) {
    return "screen=0&width=" + width + "&height=" + height + "&seed=" + generative.randomSeed();
  });
}());
