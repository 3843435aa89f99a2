// 「自分のデータ」: everything the prefecture holds about the signed-in alumnus with its purpose
// and retention (GET /api/v1/me/data), the switch of the analysis (PATCH /api/v1/me/consents)
// and the downloads. Built with textContent only: the data is never parsed as markup.
(function () {
  "use strict";
  var api = function (method, path, body) { return window.AlumniAPI.call(method, path, body); };
  var $ = function (id) { return document.getElementById(id); };

  var el = function (tag, text) { return window.AlumniApp.el(tag, "", text); };
  var stopStep = null; // the second step before stopping (and deleting), App.confirmStep

  // Each section says why it is held and for how long.
  function purposeOf(block, section) {
    var why = document.createElement("dl");
    why.className = "export-purpose";
    why.appendChild(el("dt", "利用目的"));
    why.appendChild(el("dd", section.purpose || "—"));
    why.appendChild(el("dt", "保存期間"));
    why.appendChild(el("dd", section.retention || "—"));
    block.appendChild(why);
    if (section.note) block.appendChild(el("p", section.note));
  }

  function showConsent(consent) {
    $("analysis-state").textContent = consent.analysis
      ? "現在、利用状況（ログイン・閲覧など）を分析に使うことに同意しています。"
      : "現在、利用状況を分析に使っていません（ページの閲覧は、誰のものか分からない件数としてだけ数えます）。";
    var list = $("analysis-purposes");
    list.textContent = "";
    consent.analysis_purposes.forEach(function (text) { list.appendChild(el("li", text)); });
    $("analysis-stop-effect").textContent = consent.stopping_analysis;
    $("analysis-confirm-what").textContent = consent.stopping_analysis;
    var toggle = $("analysis-toggle");
    toggle.textContent = consent.analysis ? "分析への利用を止める（記録を削除）" : "分析への利用に同意する";
    toggle.className = consent.analysis ? "button button-danger" : "button";
    toggle.setAttribute("data-analysis", consent.analysis ? "on" : "off");
    // Only stopping opens the second step; agreeing expands nothing.
    stopStep.close();
    if (!consent.analysis) toggle.removeAttribute("aria-expanded");
  }

  function load() {
    return Promise.all([api("GET", "/me/data"), api("GET", "/me/consents")]).then(function (results) {
      var data = results[0], consent = results[1];
      if (window.AlumniApp.freshLogin($("mydata-error"), data)) return;
      if (data.status !== 200 || consent.status !== 200) {
        $("mydata-error").textContent = (data.data && data.data.detail) || "読み込めませんでした。";
        $("mydata-error").hidden = false;
        return;
      }
      $("mydata-generated").textContent = data.data.generated_at;
      showConsent(consent.data);
      window.AlumniApp.dataSections($("mydata-sections"), data.data.sections, purposeOf);
      $("mydata").hidden = false;
    });
  }

  function setup() {
    if (!document.querySelector("[data-mydata-screen]")) return;
    [["mydata-csv", "csv"], ["mydata-json", "json"]].forEach(function (pair) {
      window.AlumniAPI.onPress($(pair[0]), function () {
        return window.AlumniApp.download("/me/data?format=" + pair[1], "my-data." + pair[1], $("mydata-download-status"));
      });
    });
    // Agreeing is one tap; stopping deletes the record, so it asks first (止めて削除する /
    // やめる) and nothing is sent unless the person confirms. A double tap must not turn the
    // analysis on and straight off again either.
    var toggle = $("analysis-toggle");
    var status = $("analysis-status");
    stopStep = window.AlumniApp.confirmStep(toggle, $("analysis-confirm"), function () {
      status.className = "form-status";
      status.textContent = "やめました。記録は削除していません。";
    });
    function consentSet(wanted) {
      return api("PATCH", "/me/consents", { analysis: wanted }).then(function (result) {
        if (result.status !== 200) {
          status.textContent = result.data.detail || "変更できませんでした。";
          status.className = "form-status form-status--error";
          return undefined;
        }
        status.className = "form-status";
        status.textContent = wanted
          ? "分析への利用に同意しました。次の操作から記録します。"
          : "分析への利用を止め、これまでの記録を削除しました。";
        return load().then(function () { status.focus(); });
      });
    }
    window.AlumniAPI.onPress(toggle, function () {
      status.textContent = "";
      if (toggle.getAttribute("data-analysis") !== "on") return consentSet(true);
      stopStep.open();
      return undefined;
    });
    window.AlumniAPI.onPress($("analysis-stop-confirm"), function () { return consentSet(false); });
    window.AlumniAPI.session().then(function (state) {
      if (window.AlumniAPI.offlineAtLoad(state, $("mydata-error"))) return;
      if (!state.data.signed_in) { $("mydata-signed-out").hidden = false; return; }
      load();
    });
  }

  document.addEventListener("DOMContentLoaded", setup);
})();
