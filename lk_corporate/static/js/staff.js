/* Staff pages: behaviours bound through data attributes (the CSP forbids inline scripts).

   data-lk-print     on a button: print the page (the activation code sheet).
*/
(function () {
  "use strict";

  function init() {
    document.querySelectorAll("[data-lk-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
