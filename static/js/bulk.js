// The candidates list's bulk decision: "select all on this page", the count of ticked rows, and the
// rule that goes with what the reviewer touched last (ticking a row chooses 勾选; typing a number its rule).
(function () {
  "use strict";
  var form = document.getElementById("bulk-form");
  if (!form) return;
  var all = document.querySelector("[data-bulk-all]");
  var rows = Array.prototype.slice.call(document.querySelectorAll("input[data-bulk-row]"));
  var count = form.querySelector("[data-bulk-count]");
  function choose(id) { var radio = document.getElementById(id); if (radio) radio.checked = true; }
  function update() {
    var ticked = rows.filter(function (box) { return box.checked; }).length;
    if (count) count.textContent = String(ticked);
    if (all) {
      all.checked = ticked > 0 && ticked === rows.length;
      all.indeterminate = ticked > 0 && ticked < rows.length;
    }
  }
  if (all) {
    all.addEventListener("change", function () {
      rows.forEach(function (box) { box.checked = all.checked; });
      if (all.checked) choose("rule-rows");
      update();
    });
  }
  rows.forEach(function (box) {
    box.addEventListener("change", function () { if (box.checked) choose("rule-rows"); update(); });
  });
  [["min_mean", "rule-mean"], ["top_n", "rule-top"]].forEach(function (pair) {
    var input = document.getElementById(pair[0]);
    if (input) input.addEventListener("input", function () { choose(pair[1]); });
  });
  update();
})();
