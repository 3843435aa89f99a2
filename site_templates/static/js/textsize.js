// The text size chosen on this device (標準・大・特大), applied before the first paint: this file
// is loaded without `defer` in <head> (the CSP allows no inline script). The choice is a display
// preference, not personal data, so localStorage may keep it; app.js has the buttons.
(function () {
  "use strict";
  var size = "standard";
  try {
    size = window.localStorage.getItem("text-size") || "standard";
  } catch (error) {
    // Storage refused (private mode): the standard size.
  }
  if (size === "large" || size === "xlarge") {
    document.documentElement.setAttribute("data-text-size", size);
  }
})();
