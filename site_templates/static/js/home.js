// The member home (/app/): what is new for the signed-in alumnus, from GET /api/v1/me/home
// (the same answer the tab bar's badges use). Everything goes in as text; nothing is stored.
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var jaDate = window.AlumniApp.jaDate;
  var el = window.AlumniApp.el;

  // Only paths of this site: the API gives nothing else, and nothing else is followed.
  function sitePath(url) {
    return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/" ? url : "";
  }

  var META = {
    notices: function (item) { return item.date ? jaDate(item.date) : ""; },
    jobs: function (item) { return item.date ? "締切 " + jaDate(item.date) : ""; },
    surveys: function (item) { return item.date ? "回答期限 " + jaDate(item.date) : ""; },
    chat: function (item) { return "未読 " + item.count + " 件"; },
  };

  function fill(name, section) {
    var list = document.querySelector('[data-list="' + name + '"]');
    list.textContent = "";
    section.items.forEach(function (item) {
      var href = sitePath(item.url);
      if (!href) return;
      var li = el("li", "card");
      var a = el("a");
      a.href = href;
      var meta = META[name](item);
      if (meta) a.appendChild(el("span", "card-meta", meta));
      a.appendChild(el("span", "card-title", item.title));
      li.appendChild(a);
      list.appendChild(li);
    });
    document.querySelector('[data-empty="' + name + '"]').hidden = section.count > 0;
    document.querySelector('[data-count="' + name + '"]').textContent = String(section.count);
  }

  function show(home) {
    var greeting = $("home-greeting");
    greeting.textContent = home.display_name + " さん、おかえりなさい。";
    greeting.hidden = false;
    ["notices", "jobs", "surveys", "chat"].forEach(function (name) { fill(name, home[name]); });
    $("home-content").hidden = false;
  }

  function load(fresh) {
    var status = $("home-status");
    window.AlumniAPI.session().then(function (state) {
      if (state.status === 0) { status.textContent = state.data.detail; return; }
      if (!state.data.signed_in) return; // the shell sends the person to the login
      window.AlumniApp.home(fresh).then(function (result) {
        if (result.status !== 200) {
          status.textContent = result.data.detail || "読み込めませんでした。";
          return;
        }
        status.textContent = "";
        show(result.data);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!document.querySelector("[data-home-screen]")) return;
    $("home-status").textContent = "読み込んでいます…";
    load(false);
  });
  // Shown again from the back/forward cache: the counts are asked again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && document.querySelector("[data-home-screen]")) load(false);
  });
})();
