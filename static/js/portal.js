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

// The strength meter under new-password fields: the server judges (zxcvbn, with what it knows of the
// user), the same rules as on save; the bar and the sentence only show the verdict as the user types.
(function () {
  "use strict";
  var WIDTHS = ["w-25", "w-25", "w-50", "w-75", "w-100"];
  var COLOURS = ["bg-danger", "bg-danger", "bg-warning", "bg-success", "bg-success"];
  var LABELS = ["很弱", "弱", "一般", "强", "很强"];
  document.querySelectorAll("input[data-strength-meter]").forEach(function (input) {
    var form = input.form;
    var token = form && form.querySelector("input[name=csrf_token]");
    var bar = document.createElement("div");
    bar.className = "progress mt-1";
    bar.setAttribute("role", "progressbar");
    bar.setAttribute("aria-label", "密码强度");
    var fill = document.createElement("div");
    fill.className = "progress-bar";
    bar.appendChild(fill);
    var text = document.createElement("div");
    text.className = "form-text";
    text.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", text);
    input.insertAdjacentElement("afterend", bar);
    bar.hidden = true;
    var timer = null;
    function show(result) {
      bar.hidden = false;
      fill.className = "progress-bar " + WIDTHS[result.score] + " " + COLOURS[result.score];
      bar.setAttribute("aria-valuenow", String(result.score));
      text.textContent = "密码强度：" + LABELS[result.score] + "。" + (result.ok ? "" : result.message);
    }
    function check() {
      if (submitted) return;
      if (!input.value) { bar.hidden = true; text.textContent = ""; return; }
      var data = new FormData();
      data.append("password", input.value);
      ["name", "uscc", "contact_name", "mobile", "email"].forEach(function (name) {
        var field = form.querySelector("[name=" + name + "]");
        if (field) data.append(name, field.value);
      });
      fetch("/account/password-strength", {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: token ? { "X-CSRFToken": token.value } : {}
      }).then(function (response) { return response.ok ? response.json() : null; })
        .then(function (result) { if (result) show(result); })
        .catch(function () { /* the server checks again on save */ });
    }
    var submitted = false;
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      if (!submitted) timer = window.setTimeout(check, 300);
    });
    // Once the form is sent, no late check: its answer, carrying the session of before the login that the
    // form starts, could overwrite the new session cookie (and its CSRF token) of the page that follows.
    if (form) {
      form.addEventListener("submit", function (event) {
        window.clearTimeout(timer);
        window.setTimeout(function () { submitted = !event.defaultPrevented; }, 0);  // e.g. a confirm() declined
      });
    }
  });
})();

// A table wider than the screen scrolls inside .table-responsive: when it does, the region takes the
// keyboard focus (arrow keys scroll it) and is named, as axe-core's scrollable-region-focusable asks.
(function () {
  "use strict";
  function mark() {
    document.querySelectorAll(".table-responsive").forEach(function (region) {
      var scrolls = region.scrollWidth > region.clientWidth + 1;
      if (scrolls && !region.hasAttribute("tabindex")) {
        region.setAttribute("tabindex", "0");
        region.setAttribute("role", "region");
        var caption = region.querySelector("caption");
        region.setAttribute("aria-label", (caption ? caption.textContent.trim() + "：" : "") + "表格可左右滚动");
        region.dataset.scrollFocus = "1";
      } else if (!scrolls && region.dataset.scrollFocus) {
        region.removeAttribute("tabindex");
        region.removeAttribute("role");
        region.removeAttribute("aria-label");
        delete region.dataset.scrollFocus;
      }
    });
  }
  mark();
  window.addEventListener("resize", mark);
})();
