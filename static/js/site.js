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

  document.addEventListener("DOMContentLoaded", function () {
    syncFilters();
    wide.addEventListener("change", syncFilters);
    // A form sent back with errors: start from its list of them (each links to its field).
    var errors = document.querySelector("[data-error-summary]");
    if (errors) errors.focus();
  });
})();
