// The application form's helpers: live character counts, the derived scale, instant
// recommender filtering, and a copy of typed input kept in this browser tab (sessionStorage, gone
// when the tab closes; cleared at logout and once the draft is saved) so nothing is lost if the
// session expires before the draft is saved.
(function () {
  "use strict";

  // Characters as the server counts them (Python's len): an emoji is one, not two UTF-16 units.
  function charCount(text) {
    return Array.from(text).length;
  }

  function setupCharCounts() {
    document.querySelectorAll("textarea[data-maxlength]").forEach(function (area) {
      var limit = parseInt(area.dataset.maxlength, 10);
      var minimum = parseInt(area.dataset.minlength || "0", 10);
      // maxlength would cut in UTF-16 units; the counter and the server check the limit instead.
      area.removeAttribute("maxlength");
      var counter = document.createElement("div");
      counter.className = "form-text char-count";
      counter.setAttribute("aria-live", "polite");
      area.insertAdjacentElement("afterend", counter);
      function update() {
        var length = charCount(area.value);
        var text = "已输入 " + length + " / " + limit + " 字";
        if (minimum) text = "至少 " + minimum + " 字，" + text;
        counter.textContent = text;
        counter.classList.toggle("over", length > limit || (minimum > 0 && length > 0 && length < minimum));
      }
      area.addEventListener("input", update);
      update();
    });
  }

  // As forms/fields.py reads numbers: full-width digits, spaces and thousands separators allowed.
  function asNumber(text) {
    return text.normalize("NFKC").replace(/[\s,，]/g, "");
  }

  // Mirrors Campaign.scale_of; the server recomputes it on save.
  function setupScale() {
    var form = document.querySelector("form[data-large-min-employees]");
    var output = document.querySelector("[data-scale-output]");
    if (!form || !output) return;
    var employees = form.querySelector("[data-scale-input=employees]");
    var revenue = form.querySelector("[data-scale-input=revenue]");
    var minEmployees = parseFloat(form.dataset.largeMinEmployees);
    var minRevenue = parseFloat(form.dataset.largeMinRevenue);
    function update() {
      var people = parseFloat(asNumber(employees.value));
      var money = parseFloat(asNumber(revenue.value));
      if (isNaN(people) || isNaN(money)) {
        output.textContent = "待填写从业人员数和营业收入";
      } else {
        output.textContent = people < minEmployees || money < minRevenue ? "中小型" : "大型";
      }
    }
    employees.addEventListener("input", update);
    revenue.addEventListener("input", update);
  }

  function setupRecommenderFilter() {
    var filter = document.querySelector("form[data-recommender-filter]");
    if (!filter) return;
    var search = filter.querySelector("input[name=q]");
    var kind = filter.querySelector("select[name=kind]");
    var region = filter.querySelector("select[name=region]");
    function apply() {
      var text = search.value.trim();
      document.querySelectorAll(".recommender-list [data-name]").forEach(function (row) {
        var visible = (!text || row.dataset.name.indexOf(text) !== -1) &&
          (!kind.value || row.dataset.kind === kind.value) &&
          (!region.value || row.dataset.region === region.value);
        row.classList.toggle("d-none", !visible);
        row.classList.toggle("d-flex", visible);
      });
    }
    search.addEventListener("input", apply);
    // The list on the page is already the server's choice (at first the enterprise's own province):
    // a new type or region asks the server again.
    [kind, region].forEach(function (input) {
      input.addEventListener("change", function () { filter.submit(); });
    });
    apply();  // what was typed before this script ran (a slow connection) counts too
  }

  function fieldsOf(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.type !== "file" && el.type !== "hidden" && el.type !== "submit";
    });
  }

  function valuesOf(form) {
    var data = {};
    fieldsOf(form).forEach(function (el) {
      if (el.type === "radio" || el.type === "checkbox") {
        if (el.checked) data[el.name] = el.value;
      } else {
        data[el.name] = el.value;
      }
    });
    return data;
  }

  function setupLocalBackup() {
    var form = document.querySelector("form[data-draft-key]");
    if (!form || !window.sessionStorage) return;
    var store = window.sessionStorage;
    var key = "portal-draft:" + form.dataset.draftKey;
    var note = form.querySelector("[data-autosave-note]");
    var hasServerErrors = form.querySelector(".is-invalid") !== null;
    var saved = null;
    try { saved = JSON.parse(store.getItem(key) || "null"); } catch (e) { saved = null; }

    // The copy is only worth offering if the draft has not been saved since it was taken: a
    // save (here or in another browser) bumps the version the server renders into the form.
    var versionField = form.querySelector("input[name=version]");
    var version = versionField ? versionField.value : "";
    if (saved && saved.__version !== version) {
      store.removeItem(key);
      saved = null;
    }
    if (saved && !hasServerErrors) {
      var current = valuesOf(form);
      var differs = Object.keys(saved).some(function (name) {
        return name.indexOf("__") !== 0 && saved[name] !== current[name];
      });
      if (differs && saved.__pending) {
        var banner = document.createElement("div");
        banner.className = "alert alert-info d-flex align-items-center gap-2";
        banner.innerHTML = "<span>发现本机保存的未提交输入（可能因登录过期未能保存）。</span>";
        var restore = document.createElement("button");
        restore.type = "button";
        restore.className = "btn btn-sm btn-primary ms-auto";
        restore.textContent = "恢复这些输入";
        var discard = document.createElement("button");
        discard.type = "button";
        discard.className = "btn btn-sm btn-outline-secondary";
        discard.textContent = "忽略";
        banner.appendChild(restore);
        banner.appendChild(discard);
        form.insertAdjacentElement("beforebegin", banner);
        restore.addEventListener("click", function () {
          fieldsOf(form).forEach(function (el) {
            if (!(el.name in saved)) return;
            if (el.type === "radio") el.checked = saved[el.name] === el.value;
            else if (el.type === "checkbox") el.checked = saved[el.name] === el.value;
            else el.value = saved[el.name];
            el.dispatchEvent(new Event("input"));
          });
          banner.remove();
        });
        discard.addEventListener("click", function () { store.removeItem(key); banner.remove(); });
      } else {
        store.removeItem(key);
      }
    }

    function snapshot() {
      var data = valuesOf(form);
      data.__pending = true;
      data.__version = version;
      store.setItem(key, JSON.stringify(data));
      if (note) note.textContent = "输入已暂存在本机，请记得保存草稿。";
    }
    form.addEventListener("input", snapshot);
    form.addEventListener("change", snapshot);
    // A page rendered after a successful save: the copy has served its purpose.
    if (document.querySelector(".alert-success")) store.removeItem(key);
    // After a conflict, "放弃我的输入" reloads the stored values: the local copy must not bring the input back.
    document.querySelectorAll("[data-discard-draft]").forEach(function (link) {
      link.addEventListener("click", function () { store.removeItem(key); });
    });
  }

  setupCharCounts();
  setupScale();
  setupRecommenderFilter();
  setupLocalBackup();
})();
