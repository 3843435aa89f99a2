// The PWA's shell script: service worker registration, "new version" banner, install prompts.
"use strict";
(function () {
  var $ = function (id) { return document.getElementById(id); };

  function showUpdate(registration) {
    var banner = $("update-banner");
    if (!banner || !registration.waiting) return;
    banner.hidden = false;
    $("update-reload").addEventListener("click", function () {
      registration.waiting.postMessage({ type: "SKIP_WAITING" });
    });
  }

  if ("serviceWorker" in navigator && !document.querySelector(".preview-banner")) {
    var reloading = false;
    navigator.serviceWorker.addEventListener("controllerchange", function () {
      // Only after the user asked for the new version: never swap under an open page unasked.
      if (reloading || !sessionStorage.getItem("sw-update-accepted")) return;
      reloading = true;
      sessionStorage.removeItem("sw-update-accepted");
      window.location.reload();
    });
    window.addEventListener("load", function () {
      navigator.serviceWorker.ready.then(function (registration) {
        if (registration.active) {
          registration.active.postMessage({ type: "CACHE_URLS", urls: [window.location.href] });
        }
      });
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function (registration) {
        if (registration.waiting && navigator.serviceWorker.controller) showUpdate(registration);
        registration.addEventListener("updatefound", function () {
          var worker = registration.installing;
          if (!worker) return;
          worker.addEventListener("statechange", function () {
            if (worker.state === "installed" && navigator.serviceWorker.controller) {
              showUpdate(registration);
            }
          });
        });
      });
    });
    document.addEventListener("click", function (event) {
      if (event.target && event.target.id === "update-reload") {
        sessionStorage.setItem("sw-update-accepted", "1");
      }
    });
  }

  // Android and desktop Chromium: our own install button instead of the mini-infobar.
  var deferred = null;
  window.addEventListener("beforeinstallprompt", function (event) {
    event.preventDefault();
    deferred = event;
    var banner = $("install-banner");
    if (banner) banner.hidden = false;
  });
  document.addEventListener("DOMContentLoaded", function () {
    var button = $("install-button");
    if (button) {
      button.addEventListener("click", function () {
        if (!deferred) return;
        deferred.prompt();
        deferred.userChoice.finally(function () {
          deferred = null;
          $("install-banner").hidden = true;
        });
      });
    }
    // iPhone Safari offers no prompt: a short guide to "ホーム画面に追加", until dismissed.
    var ua = navigator.userAgent;
    var ios = /iPhone|iPad|iPod/.test(ua) || (ua.indexOf("Macintosh") >= 0 && navigator.maxTouchPoints > 1);
    var standalone = window.navigator.standalone === true ||
      window.matchMedia("(display-mode: standalone)").matches;
    var guide = $("ios-install");
    if (guide && ios && !standalone && !localStorage.getItem("ios-install-dismissed")) {
      guide.hidden = false;
      $("ios-install-close").addEventListener("click", function () {
        guide.hidden = true;
        localStorage.setItem("ios-install-dismissed", "1");
      });
    }
    var offline = $("offline-status");
    var update = function () { if (offline) offline.hidden = navigator.onLine; };
    window.addEventListener("online", update);
    window.addEventListener("offline", update);
    update();
  });
})();
