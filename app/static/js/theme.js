// Runs in <head>, before the page is drawn: applies the remembered theme and sidebar state so
// a page never flashes light-then-dark or open-then-collapsed. The theme follows the operating
// system (prefers-color-scheme) until the person picks one with the toggle (static/js/layout.js).
(function () {
  "use strict";
  var root = document.documentElement;
  var stored = null, sidebar = null;
  try {
    stored = window.localStorage.getItem("mssp.theme");
    sidebar = window.localStorage.getItem("mssp.sidebar");
  } catch (e) { /* storage refused (private mode): follow the OS, sidebar open */ }
  var dark = stored ? stored === "dark"
    : !!(window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches);
  root.setAttribute("data-theme", dark ? "dark" : "light");
  if (sidebar === "collapsed") { root.classList.add("mssp-sidebar-collapsed"); }
})();
