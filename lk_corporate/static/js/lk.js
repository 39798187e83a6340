/* LK Corporate: small behaviours of the shell, bound through data attributes.
   No inline scripts anywhere (the CSP forbids them): pages opt in with attributes.

   data-lk-confirm="Question?"      on a <form> or a submit <button>: ask before submitting.
   data-lk-autosubmit               on a <select>: submit its form when the choice changes;
   data-lk-autosubmit-button        a submit button hidden when JS runs (works without JS).
   data-lk-once                     on a <form>: disable its submit buttons after the first
                                    submit (no double-submitted readings or signatures).
*/
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var question = (submitter && submitter.getAttribute("data-lk-confirm")) ||
      form.getAttribute("data-lk-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    if (form.hasAttribute("data-lk-once")) {
      if (form.getAttribute("data-lk-submitted") === "1") {
        event.preventDefault();
        return;
      }
      form.setAttribute("data-lk-submitted", "1");
      form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (b) {
        // Disable after the browser has read the submitter's name/value.
        window.setTimeout(function () { b.disabled = true; }, 0);
      });
    }
  });

  function init() {
    document.querySelectorAll("[data-lk-autosubmit-button]").forEach(function (button) {
      button.classList.add("d-none");
    });
    document.querySelectorAll("select[data-lk-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () {
        if (select.form) { select.form.requestSubmit(); }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
