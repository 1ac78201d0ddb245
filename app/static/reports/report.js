/* A client's report page: draw the report's Plotly figures (embedded as JSON) into their
   elements. No inline script: the page works under the strict CSP. */
(function () {
  "use strict";
  var CONFIG = { responsive: true, displaylogo: false, displayModeBar: false };
  function draw() {
    var source = document.getElementById("report-figures");
    if (!source || !window.Plotly) { return; }
    var figures = JSON.parse(source.textContent);
    Object.keys(figures).forEach(function (id) {
      var el = document.getElementById(id);
      if (el) { window.Plotly.newPlot(el, figures[id].data || [], figures[id].layout || {}, CONFIG); }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
