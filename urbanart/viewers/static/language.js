/* The language switch and the first visit's choice. A page exists in every shipped language
   (links in nav.languages, one per version, each with data-lang). Tapping one remembers it on
   this device. The base page (html[data-choose-language], the address on QR codes) moves once
   to the remembered language or, failing that, to the first of navigator.languages it exists
   in; otherwise it stays in its own language (a screen's page: the screen's language). */
(function () {
  "use strict";

  var KEY = "urbanart-language";
  var links = document.querySelectorAll("nav.languages a[data-lang]");

  function remembered() {
    try { return window.localStorage.getItem(KEY); } catch (err) { return null; }
  }

  function remember(code) {
    try { window.localStorage.setItem(KEY, code); } catch (err) { /* private mode: no memory */ }
  }

  function base(code) { return String(code || "").toLowerCase().split("-")[0]; }

  var byLang = {};
  for (var i = 0; i < links.length; i++) {
    var link = links[i];
    byLang[link.getAttribute("data-lang")] = link;
    link.addEventListener("click", function (event) {
      remember(event.currentTarget.getAttribute("data-lang"));
    });
  }

  var html = document.documentElement;
  if (!html.hasAttribute("data-choose-language")) return;
  var wanted = remembered();
  if (!wanted || !byLang[wanted]) {
    wanted = null;
    var preferences = navigator.languages || [navigator.language];
    for (var j = 0; j < preferences.length && !wanted; j++) {
      if (byLang[base(preferences[j])]) wanted = base(preferences[j]);
    }
  }
  if (wanted && wanted !== html.lang) window.location.replace(byLang[wanted].href);
}());
