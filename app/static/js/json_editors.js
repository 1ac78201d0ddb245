/* JSON columns edited without typing JSON (app.web.fields.StructuredJSONWidget).
   array  -> a list: one text input per item, Add / Remove / Up / Down buttons;
   object -> key/value rows; a value that is not text (a number, a list...) stays as it was
             unless edited (it is shown as JSON then, marked so);
   any    -> one text input (a form may take it over: custom_field_form.js).
   Every change writes the JSON back into the hidden input the server reads. */
(function () {
  "use strict";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function parse(text, fallback) {
    if (!text || !text.trim()) { return fallback; }
    try { return JSON.parse(text); } catch (error) { return fallback; }
  }

  function button(label, title) {
    var b = el("button", { type: "button", "class": "btn btn-default btn-sm", title: title, "aria-label": title });
    b.innerHTML = label;
    return b;
  }

  function listEditor(hidden, box, options) {
    options = options || {};
    var items = parse(hidden.value, []);
    if (!Array.isArray(items)) { items = []; }
    var list = el("div", { "class": "mssp-list-editor", role: "list" });
    var add = button('<i class="fa fa-plus"></i> ' + (options.addLabel || "Add"), options.addLabel || "Add an item");
    function values() {
      return Array.prototype.map.call(list.querySelectorAll("input"), function (input) { return input.value.trim(); })
        .filter(function (value) { return value !== ""; });
    }
    function write() {
      hidden.value = JSON.stringify(values());
      hidden.dispatchEvent(new Event("change", { bubbles: true }));
    }
    function row(value) {
      var line = el("div", { "class": "input-group input-group-sm mssp-list-row", role: "listitem" });
      var input = el("input", { type: "text", "class": "form-control", "aria-label": options.itemLabel || "Item" });
      input.value = value;
      input.addEventListener("input", write);
      input.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.preventDefault(); add.click(); }
      });
      var tools = el("span", { "class": "input-group-btn" });
      var up = button('<i class="fa fa-arrow-up"></i>', "Move up");
      var down = button('<i class="fa fa-arrow-down"></i>', "Move down");
      var remove = button('<i class="fa fa-xmark"></i>', "Remove");
      up.addEventListener("click", function () {
        if (line.previousElementSibling) { list.insertBefore(line, line.previousElementSibling); write(); up.focus(); }
      });
      down.addEventListener("click", function () {
        if (line.nextElementSibling) { list.insertBefore(line.nextElementSibling, line); write(); down.focus(); }
      });
      remove.addEventListener("click", function () { line.remove(); write(); add.focus(); });
      tools.appendChild(up); tools.appendChild(down); tools.appendChild(remove);
      line.appendChild(input); line.appendChild(tools);
      list.appendChild(line);
      return input;
    }
    items.forEach(function (item) { row(typeof item === "string" ? item : JSON.stringify(item)); });
    add.addEventListener("click", function () { row("").focus(); });
    box.appendChild(list);
    box.appendChild(add);
    write();
  }

  function objectEditor(hidden, box) {
    var data = parse(hidden.value, {});
    if (data === null || typeof data !== "object" || Array.isArray(data)) { data = {}; }
    var table = el("div", { "class": "mssp-kv-editor" });
    var add = button('<i class="fa fa-plus"></i> Add a row', "Add a row");
    function write() {
      var out = {};
      table.querySelectorAll(".mssp-kv-row").forEach(function (line) {
        var key = line.querySelector(".mssp-kv-key").value.trim();
        var input = line.querySelector(".mssp-kv-value");
        if (!key) { return; }
        out[key] = input.dataset.json === "1" ? parse(input.value, input.value) : input.value;
      });
      hidden.value = JSON.stringify(out);
    }
    function row(key, value) {
      var line = el("div", { "class": "input-group input-group-sm mssp-kv-row" });
      var keyInput = el("input", { type: "text", "class": "form-control mssp-kv-key", placeholder: "Name",
                                   "aria-label": "Name" });
      var valueInput = el("input", { type: "text", "class": "form-control mssp-kv-value", placeholder: "Value",
                                     "aria-label": "Value" });
      keyInput.value = key;
      if (typeof value === "string") {
        valueInput.value = value;
      } else {
        valueInput.value = JSON.stringify(value);
        valueInput.dataset.json = "1";
        valueInput.title = "A number, yes/no or list: kept as such";
      }
      keyInput.addEventListener("input", write);
      valueInput.addEventListener("input", write);
      var tools = el("span", { "class": "input-group-btn" });
      var remove = button('<i class="fa fa-xmark"></i>', "Remove this row");
      remove.addEventListener("click", function () { line.remove(); write(); add.focus(); });
      tools.appendChild(remove);
      var pair = el("div", { "class": "mssp-kv-pair" });
      pair.appendChild(keyInput); pair.appendChild(valueInput);
      line.appendChild(pair); line.appendChild(tools);
      table.appendChild(line);
      return keyInput;
    }
    Object.keys(data).forEach(function (key) { row(key, data[key]); });
    add.addEventListener("click", function () { row("", "").focus(); });
    box.appendChild(table);
    box.appendChild(add);
    write();
  }

  function anyEditor(hidden, box) {
    var value = parse(hidden.value, "");
    var input = el("input", { type: "text", "class": "form-control", "aria-label": "Value" });
    input.value = typeof value === "string" ? value : JSON.stringify(value);
    input.addEventListener("input", function () { hidden.value = input.value === "" ? "" : JSON.stringify(input.value); });
    box.appendChild(input);
  }

  window.msspJsonEditors = { list: listEditor, object: objectEditor, any: anyEditor };

  document.querySelectorAll("input[data-json-editor]").forEach(function (hidden) {
    var box = document.querySelector('[data-editor-for="' + hidden.id + '"]');
    if (!box || box.dataset.claimed === "1") { return; }
    var kind = hidden.dataset.jsonEditor;
    if (kind === "array") { listEditor(hidden, box); }
    else if (kind === "object") { objectEditor(hidden, box); }
    else if (hidden.id !== "default_value") { anyEditor(hidden, box); }
  });
}());
