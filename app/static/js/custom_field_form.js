/* The custom field definition form: validation inputs only for the types they apply to, the
   default as an input of the field's own type, the choices as a list, and a live preview of
   the input as people will see it on a record. */
(function () {
  "use strict";
  var typeSelect = document.getElementById("field_type");
  var defaultHidden = document.getElementById("default_value");
  if (!typeSelect || !defaultHidden) { return; }
  var optionsHidden = document.getElementById("select_options");
  var APPLIES = {
    validation_regex: ["text", "long_text", "url", "email"],
    min_value: ["integer", "decimal"],
    max_value: ["integer", "decimal"],
    select_options: ["select", "multi_select"]
  };

  function rowOf(id) {
    var node = document.getElementById(id);
    return node ? node.closest("tr") || node.closest(".form-group") : null;
  }
  function type() { return typeSelect.value; }
  function options() {
    try { var list = JSON.parse(optionsHidden && optionsHidden.value || "[]"); return Array.isArray(list) ? list : []; }
    catch (error) { return []; }
  }
  function current() {
    try { return defaultHidden.value ? JSON.parse(defaultHidden.value) : null; } catch (error) { return null; }
  }

  /* The default: one input of the field's type, its value written back as JSON. */
  var defaultBox = document.querySelector('[data-editor-for="default_value"]');
  defaultBox.dataset.claimed = "1";

  function inputFor(kind, value, attrs) {
    var input;
    attrs = attrs || {};
    if (kind === "long_text") {
      input = document.createElement("textarea");
      input.rows = 3;
    } else if (kind === "boolean") {
      input = document.createElement("select");
      [["", "(none)"], ["true", "Yes"], ["false", "No"]].forEach(function (pair) {
        var option = new Option(pair[1], pair[0]);
        input.appendChild(option);
      });
      input.value = value === true ? "true" : value === false ? "false" : "";
    } else if (kind === "select") {
      input = document.createElement("select");
      input.appendChild(new Option("(none)", ""));
      options().forEach(function (choice) { input.appendChild(new Option(choice, choice)); });
      input.value = value == null ? "" : value;
    } else if (kind === "multi_select") {
      input = document.createElement("div");
      options().forEach(function (choice) {
        var label = document.createElement("label");
        label.className = "checkbox-inline";
        var box = document.createElement("input");
        box.type = "checkbox";
        box.value = choice;
        box.checked = Array.isArray(value) && value.indexOf(choice) >= 0;
        label.appendChild(box);
        label.appendChild(document.createTextNode(" " + choice));
        input.appendChild(label);
      });
      if (!options().length) { input.textContent = "Add choices first."; }
      return input;
    } else {
      input = document.createElement("input");
      input.type = { integer: "number", decimal: "number", date: "date", datetime: "datetime-local",
                     url: "url", email: "email" }[kind] || "text";
      if (kind === "integer") { input.step = "1"; }
      if (kind === "decimal") { input.step = "any"; }
      if (value != null && kind !== "boolean") { input.value = typeof value === "string" || typeof value === "number" ? value : JSON.stringify(value); }
    }
    input.className = "form-control";
    Object.keys(attrs).forEach(function (key) { input.setAttribute(key, attrs[key]); });
    return input;
  }

  function readDefault(kind, input) {
    if (kind === "multi_select") {
      var chosen = Array.prototype.filter.call(input.querySelectorAll("input"), function (b) { return b.checked; })
        .map(function (b) { return b.value; });
      return chosen.length ? chosen : null;
    }
    var raw = input.value;
    if (raw === "") { return null; }
    if (kind === "boolean") { return raw === "true"; }
    if (kind === "integer" || kind === "decimal") { return Number(raw); }
    if (kind === "json") { try { return JSON.parse(raw); } catch (error) { return raw; } }
    return raw;
  }

  function renderDefault() {
    var kind = type();
    var value = current();
    defaultBox.innerHTML = "";
    var input = inputFor(kind, value, { id: "default_value_input", "aria-label": "Default value" });
    input.addEventListener("input", function () { write(kind, input); });
    input.addEventListener("change", function () { write(kind, input); });
    defaultBox.appendChild(input);
    write(kind, input);
  }
  function write(kind, input) {
    var value = readDefault(kind, input);
    defaultHidden.value = value === null ? "" : JSON.stringify(value);
    renderPreview();
  }

  /* What applies to the type. */
  function toggle() {
    Object.keys(APPLIES).forEach(function (id) {
      var row = rowOf(id);
      if (row) { row.hidden = APPLIES[id].indexOf(type()) < 0; }
    });
  }

  /* The preview: the label, the input, the help text, as a record's form shows them. */
  var preview = document.createElement("div");
  preview.className = "mssp-cf-preview";
  preview.setAttribute("data-testid", "custom-field-preview");
  preview.setAttribute("aria-live", "polite");
  var anchor = rowOf("default_value");
  if (anchor && anchor.tagName === "TR") {
    var previewRow = document.createElement("tr");
    var head = document.createElement("th");
    head.textContent = "Preview";
    head.className = "col-lg-2 col-md-2 col-sm-2";
    var cell = document.createElement("td");
    cell.appendChild(preview);
    previewRow.appendChild(head);
    previewRow.appendChild(cell);
    anchor.parentNode.insertBefore(previewRow, anchor);
  }
  function field(id) { var node = document.getElementById(id); return node ? node : {}; }
  function renderPreview() {
    preview.innerHTML = "";
    var label = document.createElement("label");
    label.textContent = (field("label").value || "(label)") + (field("required").checked ? " *" : "");
    preview.appendChild(label);
    var input = inputFor(type(), current(), { tabindex: "-1", "aria-label": "Preview" });
    preview.appendChild(input);
    if (field("help_text").value) {
      var help = document.createElement("span");
      help.className = "help-block";
      help.textContent = field("help_text").value;
      preview.appendChild(help);
    }
  }

  typeSelect.addEventListener("change", function () { toggle(); renderDefault(); });
  ["label", "help_text", "required"].forEach(function (id) {
    var node = document.getElementById(id);
    if (node) { node.addEventListener("input", renderPreview); node.addEventListener("change", renderPreview); }
  });
  if (optionsHidden) { optionsHidden.addEventListener("change", function () { renderDefault(); }); }
  toggle();
  renderDefault();
}());
