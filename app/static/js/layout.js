// The sidebar (collapse on wide screens, remembered; a drawer below 768px) and the theme toggle.
(function () {
  "use strict";
  var root = document.documentElement;
  var drawer = window.matchMedia("(max-width: 767px)");

  function remember(key, value) {
    try {
      if (value === null) { window.localStorage.removeItem(key); } else { window.localStorage.setItem(key, value); }
    } catch (e) { /* storage refused: the choice lasts for this page only */ }
  }

  // --- Sidebar ---------------------------------------------------------------------------
  var toggle = document.getElementById("mssp-sidebar-toggle");
  function syncToggle() {
    if (!toggle) { return; }
    var shown = drawer.matches ? root.classList.contains("mssp-drawer-open")
      : !root.classList.contains("mssp-sidebar-collapsed");
    toggle.setAttribute("aria-expanded", shown ? "true" : "false");
  }
  function closeDrawer() { root.classList.remove("mssp-drawer-open"); syncToggle(); }
  if (toggle) {
    toggle.addEventListener("click", function () {
      if (drawer.matches) {
        root.classList.toggle("mssp-drawer-open");
      } else {
        var collapsed = root.classList.toggle("mssp-sidebar-collapsed");
        remember("mssp.sidebar", collapsed ? "collapsed" : null);
      }
      syncToggle();
    });
  }
  document.querySelectorAll("[data-mssp-sidebar-close]").forEach(function (el) {
    el.addEventListener("click", closeDrawer);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && root.classList.contains("mssp-drawer-open")) { closeDrawer(); }
  });
  var onChange = function () { closeDrawer(); };
  if (drawer.addEventListener) { drawer.addEventListener("change", onChange); }
  syncToggle();

  // A group heading opens or closes its entries (in the collapsed rail they show on hover).
  document.querySelectorAll(".mssp-side-heading").forEach(function (heading) {
    heading.addEventListener("click", function () {
      var group = heading.parentNode;
      var open = group.classList.toggle("open");
      heading.setAttribute("aria-expanded", open ? "true" : "false");
    });
  });

  // --- Theme -----------------------------------------------------------------------------
  var themeToggle = document.getElementById("mssp-theme-toggle");
  function syncTheme() {
    if (themeToggle) {
      var dark = root.getAttribute("data-theme") === "dark";
      themeToggle.setAttribute("aria-pressed", dark ? "true" : "false");
      themeToggle.title = dark ? "Switch to the light theme" : "Switch to the dark theme";
    }
  }
  if (themeToggle) {
    themeToggle.addEventListener("click", function () {
      var dark = root.getAttribute("data-theme") !== "dark";
      root.setAttribute("data-theme", dark ? "dark" : "light");
      remember("mssp.theme", dark ? "dark" : "light");
      syncTheme();
      document.dispatchEvent(new CustomEvent("mssp:themechange", { detail: { dark: dark } }));
    });
  }
  // Until a theme is picked, follow the operating system when it changes.
  if (window.matchMedia) {
    var osDark = window.matchMedia("(prefers-color-scheme: dark)");
    var follow = function (event) {
      var stored = null;
      try { stored = window.localStorage.getItem("mssp.theme"); } catch (e) { /* ignore */ }
      if (stored) { return; }
      root.setAttribute("data-theme", event.matches ? "dark" : "light");
      syncTheme();
      document.dispatchEvent(new CustomEvent("mssp:themechange", { detail: { dark: event.matches } }));
    };
    if (osDark.addEventListener) { osDark.addEventListener("change", follow); }
  }
  syncTheme();
})();
