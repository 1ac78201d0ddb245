/* Dashboards: draw the figures embedded in the page, refresh them from their JSON endpoints,
   and drive the filter form. No inline script: the page works under a strict CSP. */
(function () {
  "use strict";

  var CONFIG = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["sendDataToCloud"] };

  // The dark theme (css/theme.css): transparent chart backgrounds, light text and grid lines.
  var DARK = { paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)", font: { color: "#dde3ea" } };
  var DARK_AXIS = { gridcolor: "#343e4b", zerolinecolor: "#4a5666", linecolor: "#4a5666" };

  function isDark() { return document.documentElement.getAttribute("data-theme") === "dark"; }

  function themed(layout) {
    if (!isDark()) { return layout; }
    var out = Object.assign({}, layout, DARK);
    Object.keys(out).forEach(function (key) {
      if (/^[xy]axis\d*$/.test(key)) { out[key] = Object.assign({}, out[key], DARK_AXIS); }
    });
    if (out.legend) { out.legend = Object.assign({}, out.legend, { font: { color: "#dde3ea" } }); }
    return out;
  }

  function draw(el, figure) {
    el._msspFigure = figure;
    window.Plotly.react(el, figure.data || [], themed(figure.layout || {}), CONFIG);
  }

  // The theme toggle (js/layout.js) redraws every chart in the new colours.
  document.addEventListener("mssp:themechange", function () {
    document.querySelectorAll(".dash-chart").forEach(function (el) {
      if (el._msspFigure) { draw(el, el._msspFigure); }
    });
  });

  function showMessage(panel, message) {
    var empty = panel.querySelector(".dash-empty");
    var chart = panel.querySelector(".dash-chart");
    if (message) {
      empty.textContent = message;
      empty.classList.remove("hidden");
      chart.classList.add("hidden");
    } else {
      empty.classList.add("hidden");
      chart.classList.remove("hidden");
    }
  }

  // One chart per animation frame, those in view first: the browser paints the first charts
  // at once instead of after all of them (issue 19.7: first charts within a second).
  function drawEmbedded() {
    var charts = Array.prototype.filter.call(document.querySelectorAll(".dash-chart"), function (el) {
      return document.getElementById(el.id + "-data");
    });
    var inView = function (el) { return el.getBoundingClientRect().top < window.innerHeight; };
    var queue = charts.filter(inView).concat(charts.filter(function (el) { return !inView(el); }));
    function next() {
      var el = queue.shift();
      if (!el) { return; }
      draw(el, JSON.parse(document.getElementById(el.id + "-data").textContent));
      window.requestAnimationFrame(next);
    }
    next();
  }

  function refresh(selector) {
    document.querySelectorAll(selector || ".dash-chart").forEach(function (el) {
      var panel = el.closest(".panel-body");
      fetch(el.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (payload) {
          showMessage(panel, payload.empty_message);
          if (!payload.empty_message) { draw(el, payload.figure); }
        })
        .catch(function (error) { showMessage(panel, "Could not load this chart (" + error.message + ")."); });
    });
  }

  function wireFilters() {
    var range = document.getElementById("dash-range");
    var custom = document.querySelector(".dash-custom");
    if (range && custom) {
      range.addEventListener("change", function () {
        custom.classList.toggle("hidden", range.value !== "custom");
      });
    }
    var form = document.getElementById("dash-filters");
    if (form) {
      form.addEventListener("submit", function () {
        // Keep shared links short: drop the dates unless the range is custom, and empty fields.
        form.querySelectorAll("input, select").forEach(function (field) {
          var isDate = field.name === "from" || field.name === "to";
          if (!field.value || (isDate && range.value !== "custom")) { field.disabled = true; }
        });
      });
    }
    var name = document.getElementById("dash-client-name");
    var hidden = document.getElementById("dash-client");
    var options = document.getElementById("dash-client-options");
    if (name && hidden && options) {
      var known = {};
      name.addEventListener("input", function () {
        hidden.value = known[name.value] || "";
        if (name.value.length < 2 || known[name.value]) { return; }
        var url = name.dataset.searchUrl + "?q=" + encodeURIComponent(name.value);
        fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
          options.innerHTML = "";
          data.clients.forEach(function (client) {
            known[client.name] = client.id;
            var option = document.createElement("option");
            option.value = client.name;
            options.appendChild(option);
          });
          hidden.value = known[name.value] || "";
        });
      });
    }
    var button = document.getElementById("dash-refresh");
    if (button) { button.addEventListener("click", function () { refresh(); }); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    wireFilters();
    if (window.Plotly) {
      drawEmbedded();
      refresh(".dash-chart[data-deferred]");
    }
  });
})();
