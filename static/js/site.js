// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Filters sit in a collapsed <details> on phones; on wide screens they are a sidebar, open.
  var wide = window.matchMedia("(min-width: 64rem)");
  function syncFilters() {
    document.querySelectorAll("details[data-open-on-desktop]").forEach(function (details) {
      if (wide.matches) details.open = true;
    });
  }

  // An article photo on record whose file is missing (deleted, a media volume not mounted) shows
  // the shop's placeholder, named by the image's data-placeholder, not a broken image. "error"
  // does not bubble, so the listener captures it; photos that failed before this file ran are
  // found by the scan below (complete, yet no pixels). Lazy photos fail later, when scrolled to.
  function usePlaceholder(image) {
    var placeholder = image.getAttribute("data-placeholder");
    if (!placeholder || image.getAttribute("src") === placeholder) return; // never loop
    image.src = placeholder;
    // The placeholder reads "No photo yet": a photo that names the article says so too.
    if (image.hasAttribute("data-placeholder-alt")) image.alt = image.getAttribute("data-placeholder-alt");
  }
  document.addEventListener("error", function (event) {
    if (event.target instanceof HTMLImageElement) usePlaceholder(event.target);
  }, true);

  // Back to a list shown from the back/forward cache shows it as it was left, its sort menu set to
  // the order chosen on the way out; the list is in the order of its address, which the menu's
  // own choice (its `selected` option) names.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("[data-sort-form]").forEach(function (form) { form.reset(); });
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("img[data-placeholder]").forEach(function (image) {
      if (image.complete && image.naturalWidth === 0) usePlaceholder(image);
    });
    syncFilters();
    wide.addEventListener("change", syncFilters);
    // A form sent back with errors: start from its list of them (each links to its field).
    var errors = document.querySelector("[data-error-summary]");
    if (errors) errors.focus();
  });
})();
