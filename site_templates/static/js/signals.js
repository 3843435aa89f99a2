// Engagement signals: which page of the site a signed-in alumnus viewed, sent in batches to the
// API's /signals with navigator.sendBeacon: the page's view once the session is known, later
// ones when the page is hidden or left. Only the page's
// number (the same for everyone, written into the static page by the build) and, for a notice
// opened from a notification or a mail, the channel. The API decides: with the person's consent
// to analysis it records them as theirs, otherwise it only counts the page's views anonymously.
// Nothing goes anywhere but the API origin, nothing is kept in browser storage.
(function () {
  "use strict";
  if (window.AlumniSignals) return;
  var meta = document.querySelector('meta[name="api-origin"]');
  var URL_SIGNALS = ((meta && meta.content) || "").replace(/\/$/, "") + "/api/v1/signals";
  var BATCH = 50;
  var OPEN_CHANNELS = ["push", "email", "digest"];
  var queue = [];
  var signedIn = false;

  function flush() {
    if (!signedIn) return;
    while (queue.length) {
      var body = JSON.stringify({ signals: queue.splice(0, BATCH) });
      var sent = false;
      // A string body goes as text/plain: a beacon cannot carry the CSRF header, so the API
      // checks the Origin header of this request instead.
      if (navigator.sendBeacon) sent = navigator.sendBeacon(URL_SIGNALS, body);
      if (!sent) {
        fetch(URL_SIGNALS, {
          method: "POST", body: body, credentials: "include", keepalive: true,
          headers: { "Content-Type": "text/plain" },
        }).catch(function () {});
      }
    }
  }

  function add(item) {
    queue.push(item);
    if (queue.length >= BATCH) flush();
  }

  // A page (or a notice shown in the app) was viewed; `via` when it was opened from a
  // notification or a mail.
  function view(id, via) {
    if (!/^[0-9]+$/.test(String(id))) return;
    add({ type: "page_view", id: Number(id) });
    if (OPEN_CHANNELS.indexOf(via) >= 0) add({ type: "notice_opened", id: Number(id), channel: via });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") flush();
  });
  window.addEventListener("pagehide", flush);

  document.addEventListener("DOMContentLoaded", function () {
    var id = document.body.getAttribute("data-page-id");
    if (id) view(id, new URLSearchParams(window.location.search).get("via") || "");
    if (!window.AlumniAPI) return;
    window.AlumniAPI.session().then(function (state) {
      signedIn = !!(state.data && state.data.signed_in);
      if (!signedIn) queue = [];
      // The page's own view goes at once (a page left before the session answered would lose
      // it); views added later (a notice opened in the app) go in one batch when it hides.
      flush();
    });
  });

  // Whether the session is known to be signed in (the beacon sends from then on).
  function armed() { return signedIn; }

  window.AlumniSignals = { view: view, flush: flush, armed: armed };
})();
