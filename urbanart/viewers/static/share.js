/* Share a page: the Web Share API where the phone has it, else copy the link and say so; where
   copying is refused too, show the link selected so it can be copied by hand. Every text comes
   from the page's own <template> elements (translatable with the page), never from here.
   A .share box holds data-url and data-title; the now-playing page changes them as works change. */
(function () {
  "use strict";

  function text(box, name) {
    var template = box.querySelector("template." + name);
    return template ? template.content.textContent.trim() : "";
  }

  function copyText(box, url) {
    if (navigator.clipboard && navigator.clipboard.writeText) {
      return navigator.clipboard.writeText(url).catch(function () { return copyBySelection(box, url); });
    }
    return copyBySelection(box, url);
  }

  function copyBySelection(box, url) {
    return new Promise(function (resolve, reject) {
      var field = box.querySelector(".share-link");
      field.value = url;
      field.hidden = false;
      field.select();
      var done = false;
      try { done = document.execCommand("copy"); } catch (err) { done = false; }
      if (done) {
        field.hidden = true;
        resolve();
      } else {
        reject(new Error("copy refused"));
      }
    });
  }

  function setUp(box) {
    var button = box.querySelector(".share-button");
    var status = box.querySelector(".share-status");
    if (!button || !status) return;
    function say(message) {
      status.textContent = "";
      window.setTimeout(function () { status.textContent = message; }, 30);
    }
    button.addEventListener("click", function () {
      var url = box.getAttribute("data-url");
      var title = box.getAttribute("data-title");
      if (typeof navigator.share === "function") {
        navigator.share({ title: title, url: url }).catch(function () { /* closed: nothing to say */ });
        return;
      }
      copyText(box, url).then(
        function () { say(text(box, "share-copied")); },
        function () { say(text(box, "share-manual")); }
      );
    });
    box.hidden = false;
  }

  var boxes = document.querySelectorAll(".share");
  for (var i = 0; i < boxes.length; i++) setUp(boxes[i]);
}());
