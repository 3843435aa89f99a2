// The PWA's one way to call the JSON API: the origin of <meta name="api-origin">, the session
// cookie, JSON in and out, the CSRF token kept in memory only (never in browser storage).
// Every result is {status, data, headers}; a network failure is status 0 with a Japanese detail.
(function () {
  "use strict";
  if (window.AlumniAPI) return; // the shell and a screen may both include this file
  var meta = document.querySelector('meta[name="api-origin"]');
  var BASE = ((meta && meta.content) || "").replace(/\/$/, "") + "/api/v1";
  var csrfToken = "";
  var NO_HEADERS = { get: function () { return ""; } };

  // A change sent with no token yet (the page was opened offline, so the session was never
  // asked) would be refused as forbidden (403) once back online: ask for the token first.
  function call(method, path, body, extraHeaders) {
    if (method === "GET" || csrfToken) return send(method, path, body, extraHeaders);
    return session(true).then(function (result) {
      if (result.status === 0) return result;
      return send(method, path, body, extraHeaders);
    });
  }

  function send(method, path, body, extraHeaders) {
    var headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET" && csrfToken) headers["X-CSRFToken"] = csrfToken;
    Object.keys(extraHeaders || {}).forEach(function (name) { headers[name] = extraHeaders[name]; });
    return fetch(BASE + path, {
      method: method,
      credentials: "include",
      cache: "no-store",
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (response) {
      var result = { status: response.status, data: {}, headers: response.headers };
      if (response.status === 204 || response.status === 304) return result;
      return response.json().then(
        function (data) { result.data = data; return result; },
        function () { result.data = { detail: "エラーが発生しました。" }; return result; }
      );
    }, function () {
      return { status: 0, data: { detail: "通信できませんでした。接続を確認してください。" }, headers: NO_HEADERS };
    });
  }

  // The session state ({signed_in, csrf_token, ...}); remembers the CSRF token for later calls.
  // Asked once per page (the shell, the header and the screen share the answer) unless `fresh`.
  var asked = null;
  function session(fresh) {
    if (asked && !fresh) return asked;
    asked = send("GET", "/auth/session").then(function (result) {
      csrfToken = (result.data && result.data.csrf_token) || "";
      if (result.status !== 200) asked = null; // offline or failed: ask again next time
      return result;
    });
    return asked;
  }

  // A members' screen opened with no connection cannot know who is signed in: when the session
  // answer is the network failure, `box` says so (not 「ログインしてください」 to someone who is
  // signed in) and the screen loads again once the connection is back. True when offline.
  function offlineAtLoad(result, box) {
    if (result.status !== 0) return false;
    box.textContent = result.data.detail;
    box.hidden = false;
    // Not when the person is already on the way to another page: the page being left can get
    // "online" while the next one loads (seen in Chromium with the network emulated offline),
    // and its reload then took them back to it. Not once: a stray event must not use it up.
    var leaving = false;
    window.addEventListener("beforeunload", function () { leaving = true; });
    window.addEventListener("online", function () {
      if (!leaving && navigator.onLine) window.location.reload();
    });
    return true;
  }

  // Every control that changes data sends once. While what `work` sent is in flight, `control`
  // (the button tapped) is aria-disabled and aria-busy, and a second tap or Enter sends nothing:
  // a double tap on 登録する sent two registrations, and the second one's refusal went unseen.
  // Whatever the answer, the control is released (an error can be corrected and sent again).
  // Not `disabled`: that takes the keyboard focus off the button. `work` returns the promise of
  // what it sent, or nothing when it sent nothing. True when `work` ran.
  function sendOnce(control, work) {
    if (control.getAttribute("aria-busy") === "true") return false;
    control.setAttribute("aria-busy", "true");
    control.setAttribute("aria-disabled", "true");
    var release = function () {
      control.removeAttribute("aria-busy");
      control.removeAttribute("aria-disabled");
    };
    var sent;
    try { sent = work(); } catch (error) { release(); throw error; }
    Promise.resolve(sent).then(release, release);
    return true;
  }

  // A page left from a control that stays busy until the next page loads (a sign-in, 退会),
  // shown again by 戻る from the back/forward cache: its controls work again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll('[aria-busy="true"][aria-disabled="true"]').forEach(function (control) {
      control.removeAttribute("aria-busy");
      control.removeAttribute("aria-disabled");
    });
  });

  // A form that changes data: its submit is handled here (never the browser's own), and
  // `work(form)` runs as `sendOnce` from the submit button that was used.
  function onSubmit(form, work) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = event.submitter || form.querySelector('[type="submit"]') || form;
      sendOnce(button, function () { return work(form); });
    });
  }

  // A button that changes data by itself (not in a form): `work()` runs as `sendOnce`.
  function onPress(button, work) {
    button.addEventListener("click", function () { sendOnce(button, work); });
  }

  window.AlumniAPI = {
    url: function (path) { return BASE + path; }, // for a download (App.download)
    call: call,
    session: session,
    offlineAtLoad: offlineAtLoad,
    sendOnce: sendOnce,
    onSubmit: onSubmit,
    onPress: onPress,
  };
})();
