// Wide tables on a small screen: each table of the page that is not already in a
// scrolling box gets one, and every scrolling box that actually scrolls becomes a
// named region reachable by the keyboard (Tab, then the arrow keys), as WCAG asks.
(function () {
  "use strict";
  var BOXES = ".table-scroll, .matrix-scroll, .crossing-scroll, .stats-chart";

  function label(box) {
    var caption = box.querySelector("caption");
    if (caption && caption.textContent.trim()) return caption.textContent.trim();
    var el = box.previousElementSibling;
    while (el && !/^H[1-6]$/.test(el.tagName)) el = el.previousElementSibling;
    return el ? el.textContent.trim() : document.title;
  }

  function wrap() {
    document.querySelectorAll("main table").forEach(function (table) {
      if (table.closest(BOXES)) return;
      var box = document.createElement("div");
      box.className = "table-scroll";
      table.parentNode.insertBefore(box, table);
      box.appendChild(table);
    });
  }

  function mark() {
    document.querySelectorAll(BOXES).forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("data-made-focusable", "");
        if (!box.hasAttribute("role")) box.setAttribute("role", "region");
        if (!box.hasAttribute("aria-label") && !box.hasAttribute("aria-labelledby")) {
          box.setAttribute("aria-label", label(box));
        }
      } else if (!scrolls && box.hasAttribute("data-made-focusable")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("data-made-focusable");
      }
    });
  }

  wrap();
  mark();
  var timer;
  window.addEventListener("resize", function () {
    clearTimeout(timer);
    timer = setTimeout(mark, 150);
  });
})();
