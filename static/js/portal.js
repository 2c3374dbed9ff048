// Every page: ask before irreversible actions. A form with data-confirm asks on submit; a submit
// button with data-confirm-click asks only when that button is the one pressed.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    var question = (button && button.dataset.confirmClick) || form.dataset.confirm;
    if (question && !window.confirm(question)) event.preventDefault();
  });
})();

// The application form keeps a copy of typed input (contact details included) in this tab; it must not
// outlive the login. Copies that older versions kept in localStorage are removed on every page.
(function () {
  "use strict";
  function clearDrafts(storage) {
    if (!storage) return;
    for (var i = storage.length - 1; i >= 0; i--) {
      var key = storage.key(i);
      if (key && key.indexOf("portal-draft:") === 0) storage.removeItem(key);
    }
  }
  try { clearDrafts(window.localStorage); } catch (e) { /* storage disabled */ }
  document.addEventListener("submit", function (event) {
    if (event.target.matches("form[data-logout]")) {
      try { clearDrafts(window.sessionStorage); } catch (e) { /* storage disabled */ }
    }
  });
})();
