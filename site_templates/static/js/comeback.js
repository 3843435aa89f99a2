// The comeback-hiring clock on the member home: how long the person remains eligible, or why
// they are not, and their choice of reminders (GET and PATCH /api/v1/me/comeback). Text only;
// nothing is stored in the browser.
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var api = function (method, body) { return window.AlumniAPI.call(method, "/me/comeback", body); };

  function show(data) {
    var clock = $("comeback-clock");
    var reason = $("comeback-reason");
    clock.textContent = data.eligible && data.clock ? data.clock : "";
    clock.hidden = !clock.textContent;
    reason.textContent = data.eligible ? "" : data.reason;
    reason.hidden = data.eligible || !data.reason;
    $("comeback-reminders").hidden = !data.eligible;
    $("comeback-reminders-help").hidden = !data.eligible;
    $("comeback-reminders-input").checked = data.reminders;
    $("home-comeback").hidden = clock.hidden && reason.hidden;
  }

  function setup() {
    if (!$("home-comeback")) return;
    window.AlumniAPI.session().then(function (state) {
      if (!state.data || !state.data.signed_in) return;
      api("GET").then(function (result) { if (result.status === 200) show(result.data); });
    });
    var input = $("comeback-reminders-input");
    input.addEventListener("change", function () {
      var status = $("comeback-status");
      var wanted = input.checked;
      api("PATCH", { reminders: wanted }).then(function (result) {
        if (result.status !== 200) {
          input.checked = !wanted;
          status.className = "form-status form-status--error";
          status.textContent = result.data.detail || "変更できませんでした。";
          return;
        }
        status.className = "form-status";
        status.textContent = wanted
          ? "カムバック採用のお知らせを受け取る設定にしました。"
          : "カムバック採用のお知らせを受け取らない設定にしました。";
        show(result.data);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", setup);
})();
