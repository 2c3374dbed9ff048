// Drag and drop within a ranked list; on drop the new order is posted by the list's hidden form.
// The 上移/下移 buttons do the same without a mouse or without JavaScript.
(function () {
  "use strict";
  // After 上移/下移 the page comes back with the moved row's button marked: give it the focus even if
  // the browser skipped autofocus (e.g. the page was restored from its cache).
  var focused = document.querySelector("[data-autofocus]");
  if (focused && document.activeElement !== focused) focused.focus();
  document.querySelectorAll("ol[data-reorder]").forEach(function (list) {
    var form = document.getElementById(list.dataset.reorder);
    var dragged = null;

    function order() {
      return Array.prototype.map.call(list.querySelectorAll("[data-application-id]"), function (item) {
        return item.dataset.applicationId;
      }).join(",");
    }

    var initialOrder = order();
    list.addEventListener("dragstart", function (event) {
      dragged = event.target.closest("[data-application-id]");
      if (!dragged) return;
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged.dataset.applicationId);
      dragged.classList.add("dragging");
    });
    list.addEventListener("dragover", function (event) {
      var over = event.target.closest("[data-application-id]");
      if (!dragged || !over || over === dragged) return;
      event.preventDefault();
      var box = over.getBoundingClientRect();
      var after = event.clientY > box.top + box.height / 2;
      list.insertBefore(dragged, after ? over.nextSibling : over);
    });
    list.addEventListener("drop", function (event) {
      event.preventDefault();
    });
    list.addEventListener("dragend", function () {
      if (!dragged) return;
      dragged.classList.remove("dragging");
      dragged = null;
      if (order() !== initialOrder) {
        form.elements.order.value = order();
        list.classList.add("saving");
        form.submit();
      }
    });
  });
})();
