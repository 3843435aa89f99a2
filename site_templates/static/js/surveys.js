// The surveys screen (/app/surveys/): the surveys open to the signed-in alumnus from
// GET /api/v1/surveys: the open ones waiting for an answer, then those answered (revisable
// until they close; a closed one stays listed for a while, as the API gives it). Everything goes
// in as text; nothing is stored.
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };

  // The day, in Japan time, of an instant the API gives.
  function day(iso) {
    return window.AlumniApp.jaDate(window.AlumniApp.japanTime(iso).date);
  }

  function meta(survey) {
    if (survey.answered) {
      var when = survey.answered_at ? "回答済み（" + day(survey.answered_at) + "）" : "回答済み";
      return when + (survey.is_open ? "・受付終了まで修正できます" : "・受付終了");
    }
    if (survey.is_open) return survey.closes_at ? "回答期限 " + day(survey.closes_at) : "受付中";
    if (survey.opens_at && new Date(survey.opens_at) > new Date()) return "受付開始 " + day(survey.opens_at);
    return "受付終了";
  }

  function fill(name, surveys) {
    var list = document.querySelector('[data-surveys="' + name + '"]');
    list.textContent = "";
    surveys.forEach(function (survey) {
      var li = window.AlumniApp.el("li", "card");
      var a = window.AlumniApp.el("a");
      a.href = "/app/survey/?id=" + encodeURIComponent(String(survey.id));
      a.appendChild(window.AlumniApp.el("span", "card-meta", meta(survey)));
      a.appendChild(window.AlumniApp.el("span", "card-title", survey.title));
      li.appendChild(a);
      list.appendChild(li);
    });
    document.querySelector('[data-surveys-empty="' + name + '"]').hidden = surveys.length > 0;
  }

  function load() {
    var status = $("surveys-status");
    status.textContent = "読み込んでいます…";
    window.AlumniAPI.session().then(function (session) {
      if (session.status === 0) { status.textContent = session.data.detail; return; }
      if (!session.data.signed_in) return; // the shell leads to the login and back here
      window.AlumniAPI.call("GET", "/surveys").then(function (result) {
        if (result.status !== 200) {
          status.textContent = result.data.detail || "読み込めませんでした。";
          return;
        }
        status.textContent = "";
        var surveys = result.data.results || [];
        fill("waiting", surveys.filter(function (s) { return !s.answered && s.is_open; }));
        fill("answered", surveys.filter(function (s) { return s.answered; }));
        $("surveys-content").hidden = false;
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (document.querySelector("[data-surveys-screen]")) load();
  });
  // Shown again from the back/forward cache (after answering): the list is asked again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && document.querySelector("[data-surveys-screen]")) load();
  });
})();
