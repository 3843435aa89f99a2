// The offline page: the public pages this device keeps for reading without a connection (what
// the service worker stored, listed from its cache with their titles). Public pages only: the
// worker never keeps anything personal or for members only, and nothing is written here.
"use strict";
(function () {
  var PAGES_CACHE = "pages-v1"; // the service worker's cache of public pages (sw.js)

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
    caches.open(PAGES_CACHE).then(function (cache) {
      return cache.keys().then(function (requests) {
        var pages = requests.map(function (request) { return new URL(request.url); }).filter(function (url) {
          return url.origin === window.location.origin && url.pathname !== "/" && url.pathname !== "/offline/";
        });
        return Promise.all(pages.map(function (url) {
          return cache.match(url.href).then(function (response) {
            return response ? response.text() : "";
          }).then(function (html) { return { path: url.pathname, title: titleOf(html) }; });
        }));
      });
    }).then(function (pages) {
      show(pages.filter(function (page) { return page.title; }).reverse());
    }, function () { show([]); });
  });
})();
