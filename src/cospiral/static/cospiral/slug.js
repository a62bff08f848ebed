// Proposes a territory's identifier from its name as the name is typed, the way the
// server makes it (accents transliterated, hyphens between words), until the person
// edits the identifier themselves. Without JavaScript the server makes the same one.
(function () {
  "use strict";
  function identifier(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60).replace(/-+$/, "");
  }
  document.querySelectorAll("[data-slug-from]").forEach(function (slug) {
    var source = document.getElementById(slug.getAttribute("data-slug-from"));
    if (!source) return;
    var edited = slug.value !== "" && slug.value !== identifier(source.value);
    slug.addEventListener("input", function () { edited = slug.value !== ""; });
    source.addEventListener("input", function () {
      if (!edited) slug.value = identifier(source.value);
    });
  });
})();
