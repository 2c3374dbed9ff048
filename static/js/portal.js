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
