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
