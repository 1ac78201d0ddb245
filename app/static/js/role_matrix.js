/* The Roles matrix: create, edit, delete and the special actions need read, so ticking one of
   them ticks Read, and unticking Read unticks the rest of the row. */
(function () {
  "use strict";
  var form = document.getElementById("role-matrix-form");
  if (!form) { return; }
  form.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches('input[type="checkbox"][name="cell"]')) { return; }
    var row = box.closest("tr");
    var read = row.querySelector('input[data-action="read"]');
    if (!read) { return; }
    if (box === read && !read.checked) {
      row.querySelectorAll('input[name="cell"]').forEach(function (other) { other.checked = false; });
    } else if (box !== read && box.checked) {
      read.checked = true;
    }
  });
}());
