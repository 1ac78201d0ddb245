// The list's "Edit selected" button: opens the bulk edit page with the ticked rows
// (the row checkboxes of Flask-AppBuilder's actions), and counts them as they are ticked.
(function () {
  "use strict";
  var button = document.getElementById("mssp-bulk-edit-selected");
  if (!button) { return; }
  var badge = document.getElementById("mssp-bulk-edit-count");
  function ticked() {
    return Array.prototype.slice.call(document.querySelectorAll("input.action_check:checked"));
  }
  function refresh() {
    var count = ticked().length;
    badge.textContent = String(count);
    button.disabled = count === 0;
  }
  document.addEventListener("change", function (event) {
    if (event.target && /action_check/.test(event.target.className)) { refresh(); }
  });
  // FAB's "check all" box sets the others without a change event of their own.
  document.addEventListener("click", function (event) {
    if (event.target && event.target.id === "check_all") { setTimeout(refresh, 0); }
  });
  button.addEventListener("click", function () {
    var ids = ticked().map(function (box) { return "id=" + encodeURIComponent(box.value); });
    if (ids.length) { window.location.href = button.getAttribute("data-url") + "?" + ids.join("&"); }
  });
  refresh();
})();

// The bulk edit page: changing a field's input ticks its "Change" box.
(function () {
  "use strict";
  var form = document.getElementById("mssp-bulk-form");
  if (!form) { return; }
  function tick(event) {
    var row = event.target && event.target.closest ? event.target.closest("tr.mssp-bulk-field") : null;
    if (!row || event.target.name === "bulk_set") { return; }
    var box = row.querySelector("input[name=bulk_set]");
    if (box) { box.checked = true; }
  }
  form.addEventListener("change", tick);
  form.addEventListener("input", tick);
  if (window.jQuery) { window.jQuery(form).on("select2:select select2:clear", tick); }
})();
