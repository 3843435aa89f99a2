// The offline page: the public pages this device keeps for reading without a connection (what
// the service worker stored, as it lists them, with their titles). Public pages only: the
// worker never keeps anything personal or for members only, and nothing is written here.
"use strict";
(function () {
  // The addresses of the pages the service worker keeps, as it answers SAVED_PAGES (none when
  // there is no worker, or it does not answer within 3 s).
  function savedUrls() {
    if (!("serviceWorker" in navigator)) return Promise.resolve([]);
    return new Promise(function (resolve) {
      setTimeout(function () { resolve([]); }, 3000);
      navigator.serviceWorker.ready.then(function (registration) {
        var channel = new MessageChannel();
        channel.port1.onmessage = function (event) { resolve(event.data.urls || []); };
        registration.active.postMessage({ type: "SAVED_PAGES" }, [channel.port2]);
      });
    });
  }

  function titleOf(html) {
    var title = new DOMParser().parseFromString(html, "text/html").querySelector("main h1");
    return title ? title.textContent.trim() : "";
  }

  function show(pages) {
    var list = document.getElementById("saved-pages");
    var none = document.getElementById("saved-none");
    list.textContent = "";
    pages.forEach(function (page) {
      var item = window.AlumniApp.el("li", "card");
      var link = window.AlumniApp.el("a", "");
      link.href = page.path;
      link.appendChild(window.AlumniApp.el("span", "card-title", page.title));
      item.appendChild(link);
      list.appendChild(item);
    });
    list.hidden = !pages.length;
    none.hidden = pages.length > 0;
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!("caches" in window)) { show([]); return; }
    savedUrls().then(function (urls) {
      var pages = urls.map(function (url) { return new URL(url); }).filter(function (url) {
        return url.origin === window.location.origin && url.pathname !== "/" && url.pathname !== "/offline/";
      });
      return Promise.all(pages.map(function (url) {
        return caches.match(url.href).then(function (response) {
          return response ? response.text() : "";
        }).then(function (html) { return { path: url.pathname, title: titleOf(html) }; });
      }));
    }).then(function (pages) {
      show(pages.filter(function (page) { return page.title; }).reverse());
    }, function () { show([]); });
  });
})();
