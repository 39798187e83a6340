/* Staff pages: behaviours bound through data attributes (the CSP forbids inline scripts).

   data-lk-print     on a button: print the page (the activation code sheet).
   data-lk-zone-layout   on the meter form's zones <select> ("day,night"): only the inputs
                     marked data-lk-zone="day" / "night" of the chosen layout are shown.
   data-lk-refresh   on an element: reload the page after that many seconds (the period
                     board while a calculation runs); not while the user types in a form.
*/
(function () {
  "use strict";

  function showZones(select) {
    var zones = select.value.split(",");
    document.querySelectorAll("[data-lk-zone]").forEach(function (box) {
      box.classList.toggle("d-none", zones.indexOf(box.getAttribute("data-lk-zone")) < 0);
    });
  }

  function init() {
    document.querySelectorAll("[data-lk-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
    document.querySelectorAll("select[data-lk-zone-layout]").forEach(function (select) {
      showZones(select);
      select.addEventListener("change", function () { showZones(select); });
    });
    var refresh = document.querySelector("[data-lk-refresh]");
    if (refresh) {
      var seconds = parseInt(refresh.getAttribute("data-lk-refresh"), 10) || 5;
      window.setTimeout(function () {
        var active = document.activeElement;
        if (!active || !active.form) { window.location.reload(); }
      }, seconds * 1000);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
