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

/* "Where and when to see it": the page was built at publish with the first time from the
   programme's start; from this device's clock, say what is on now or the next start, in each
   screen's own time zone. The data (urbanart/viewers/where.py where_section: the work's
   where.json, the section's data-where, one file for every language version) lists each distinct
   "plays" once as [cycle ms, [[offset ms, length ms]…], [[start ms, end ms]…]]: the work starts
   at start + offset + n·cycle before end (where.py computes the same at publish). Every row shown
   (a screen, data-screen, or a city, data-city) is a list of [time zone, [plays index…]]; its
   next start is the soonest over them, told in that zone; "where-words" has the page language's
   names of those zones and its words. Text only via textContent. Without the data (no script,
   no network) the rows keep the times the page was built with; once the rows move on, the
   section is marked data-where-moving. */
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

  /* The row's own status (not that of the screens listed inside a city's row). */
  function own(row, selector) {
    return row.querySelector(":scope > .where-next " + selector);
  }

  function updateRow(row, groups, t) {
    var now = false, next = null, zone = null;
    for (var i = 0; i < groups.length; i++) {
      var plays = groups[i][1].map(function (n) { return data.plays[n]; });
      now = now || onNow(plays, t);
      var found = nextStart(plays, t);
      if (found !== null && (next === null || found < next)) {
        next = found;
        zone = groups[i][0];
      }
    }
    if (!own(row, ".where-when")) {  /* a screen a city's row lists: its time alone */
      var line = row.querySelector(":scope > .where-next");
      var shown = line.querySelector("time");
      line.hidden = !now && next === null;
      if (next !== null) {
        shown.setAttribute("datetime", new Date(next).toISOString().replace(".000Z", "Z"));
        shown.textContent = local(next, zone);
      }
      if (now) shown.textContent = words.labels.now;
      return;
    }
    own(row, ".where-now").hidden = !now;
    own(row, ".where-when").hidden = next === null;
    own(row, ".where-never").hidden = now || next !== null;
    if (next !== null) {
      var time = own(row, ".where-when time");
      time.setAttribute("datetime", new Date(next).toISOString().replace(".000Z", "Z"));
      time.textContent = local(next, zone);
      var named = own(row, ".where-zone");
      if (named && zones[zone]) named.textContent = zones[zone];
    }
  }

  function update() {
    var t = Date.now();
    var rows = document.querySelectorAll(".where-screen, .where-city");
    for (var i = 0; i < rows.length; i++) {
      var row = rows[i];
      var groups = row.hasAttribute("data-city")
        ? data.cities[row.getAttribute("data-city")]
        : data.screens[row.getAttribute("data-screen")];
      if (groups) updateRow(row, groups, t);
    }
  }

  window.fetch(section.getAttribute("data-where"), { credentials: "same-origin" })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (loaded) {
      if (!loaded || !loaded.plays || !loaded.screens || !loaded.cities) return;
      data = loaded;
      update();
      section.setAttribute("data-where-moving", "");
      window.setInterval(update, 15000);
    })
    .catch(function () { /* the built times stay */ });
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
