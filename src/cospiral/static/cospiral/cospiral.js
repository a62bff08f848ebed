// Small behaviours of every page, here rather than inline (Content-Security-Policy).
"use strict";
document.addEventListener("focusin", (event) => {
  // A read-only address to copy: focusing it selects it whole.
  const field = event.target.closest && event.target.closest("[data-select-on-focus]");
  if (field && typeof field.select === "function") field.select();
});
