/* The notice editor's reach preview: asks the admin again whenever 公開範囲, a group or 通知
   changes, before anything is saved, and shows the answer in the panel's status line. */
(function () {
  "use strict";

  function init(box) {
    var form = box.closest("form");
    var status = box.querySelector("[role=status]");
    if (!form || !status) return;
    var url = box.getAttribute("data-notice-reach-url");
    var asked = 0;

    function query() {
      var params = new URLSearchParams();
      var visibility = form.querySelector("[name=visibility]:checked, select[name=visibility]");
      params.set("visibility", visibility ? visibility.value : "");
      form.querySelectorAll("[name=audience_groups]:checked").forEach(function (box) {
        params.append("audience_groups", box.value);
      });
      var notify = form.querySelector("[name=notify_alumni]");
      if (notify && notify.checked) params.set("notify_alumni", "on");
      return params.toString();
    }

    function refresh() {
      var mine = ++asked;
      fetch(url + "?" + query(), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        })
        .then(function (data) {
          if (mine === asked) status.textContent = data.text;
        })
        .catch(function () {
          if (mine === asked) status.textContent = "届く人数を確認できませんでした。";
        });
    }

    form.addEventListener("change", function (event) {
      var name = event.target && event.target.name;
      if (name === "visibility" || name === "audience_groups" || name === "notify_alumni") refresh();
    });
    refresh();
  }

  function start() {
    document.querySelectorAll("[data-notice-reach]").forEach(init);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
