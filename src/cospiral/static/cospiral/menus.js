// Menus marked data-close-narrow are open in the page (so they work without JavaScript)
// and closed on a phone-sized screen, where they would otherwise fill the first screen.
(function () {
  "use strict";
  if (!window.matchMedia("(max-width: 700px)").matches) return;
  document.querySelectorAll("details[data-close-narrow]").forEach(function (menu) {
    menu.open = false;
  });
})();
