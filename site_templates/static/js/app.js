// The PWA's shell script, on every page: service worker registration, "new version" banner,
// install prompts; small helpers the screens share (dates, elements); the signed-in state in the header and the tab bar (from the API, never written
// into the static pages), member screens that lead to the login and back, the back control of
// the installed app, the text size buttons, and `AlumniApp.signedOut()` for every sign-out.
"use strict";
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var App = (window.AlumniApp = window.AlumniApp || {});
  var APP_HOME = "/app/";
  var WEEKDAYS = ["日", "月", "火", "水", "木", "金", "土"];

  // "2026-11-03" -> "2026年11月3日（火）", as the static pages print it.
  App.jaDate = function (iso) {
    var parts = iso.split("-").map(Number);
    var day = new Date(Date.UTC(parts[0], parts[1] - 1, parts[2])).getUTCDay();
    return parts[0] + "年" + parts[1] + "月" + parts[2] + "日（" + WEEKDAYS[day] + "）";
  };

  // An instant from the API (ISO 8601 with its offset) as it reads in Japan, whatever zone the
  // phone is set to (a phone abroad or set to another zone showed chat and survey times hours
  // off): {date: "2026-11-03", hour: 9, minute: 5}.
  var JAPAN_TIME = new Intl.DateTimeFormat("en-US", {
    timeZone: "Asia/Tokyo", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  });
  App.japanTime = function (iso) {
    var parts = {};
    JAPAN_TIME.formatToParts(new Date(iso)).forEach(function (part) { parts[part.type] = part.value; });
    return { date: parts.year + "-" + parts.month + "-" + parts.day, hour: Number(parts.hour), minute: Number(parts.minute) };
  };

  // An element with a class and its text (always as text, never parsed as markup).
  App.el = function (tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };

  // What is held about the person (「自分のデータ」, the printable disclosure): each section a
  // heading, what `describe(block, section)` adds, and one table per record, built as text.
  App.dataSections = function (holder, sections, describe) {
    holder.textContent = "";
    sections.forEach(function (section) {
      var block = App.el("section", "export-section");
      if (section.key) block.setAttribute("data-section", section.key);
      block.appendChild(App.el("h2", "", section.title));
      if (describe) describe(block, section);
      if (!section.records.length) block.appendChild(App.el("p", "", "ありません。"));
      var many = section.records.length > 1;
      section.records.forEach(function (record, index) {
        var table = App.el("table", "export-table");
        table.appendChild(App.el("caption", many ? "" : "visually-hidden", section.title + (many ? "（" + (index + 1) + "件目）" : "")));
        var body = document.createElement("tbody");
        record.forEach(function (row) {
          var line = document.createElement("tr");
          var name = App.el("th", "", row.name);
          name.setAttribute("scope", "row");
          line.appendChild(name);
          line.appendChild(App.el("td", "", row.value === "" ? "—" : row.value));
          body.appendChild(line);
        });
        table.appendChild(body);
        block.appendChild(table);
      });
      holder.appendChild(block);
    });
  };

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

  // --- signing in and out ----------------------------------------------------------------

  // `value` if it is a path of this site (never another origin: no "//", no scheme, no
  // backslash trick), else "". Where the login returns to after the code is entered.
  App.returnPath = function (value) {
    if (typeof value !== "string" || value.charAt(0) !== "/" || /^\/[\/\\]/.test(value)) return "";
    var url;
    try { url = new URL(value, window.location.origin); } catch (error) { return ""; }
    if (url.origin !== window.location.origin || url.pathname.indexOf("/app/login/") === 0) return "";
    return url.pathname + url.search + url.hash;
  };

  // The login screen, coming back to this very screen afterwards.
  App.loginUrl = function () {
    var here = window.location.pathname + window.location.search + window.location.hash;
    return "/app/login/?next=" + encodeURIComponent(here);
  };

  // Export and deletion want a sign-in of the last day: the API answers 403 with
  // errors.fresh_login. Then `box` says so, with a link to the login screen, which comes back
  // here after the new code; true when that was the answer.
  App.freshLogin = function (box, result) {
    if (!(result && result.status === 403 && result.data && result.data.errors && result.data.errors.fresh_login)) return false;
    var here = window.location.pathname + window.location.search + window.location.hash;
    var link = document.createElement("a");
    link.href = "/app/login/?fresh=1&next=" + encodeURIComponent(here);
    link.textContent = "確認コードでログインし直す";
    box.textContent = result.data.detail + " ";
    box.appendChild(link);
    box.className = "form-status form-status--error";
    box.hidden = false;
    box.focus();
    return true;
  };

  // A message in a status box (form-status), shown and given the focus so it is read out.
  App.say = function (box, message, isError) {
    box.textContent = message;
    box.className = "form-status " + (isError ? "form-status--error" : "form-status--ok");
    box.hidden = false;
    box.focus();
  };

  // A second, explicit step before something that cannot be undone (すべての端末からログアウト,
  // 分析への利用を止めて記録を削除): `box` (hidden until asked) says what will happen and holds
  // the action and its やめる button ([data-confirm-cancel]). Opening it puts the focus on its
  // question ([data-confirm-question], read out first), not on the action: a second tap in the
  // same place, or Enter, must not do it unread. やめる or Escape closes it with nothing done and
  // the focus back on `trigger`, then calls `cancelled` if given. Returns {open, close}.
  App.confirmStep = function (trigger, box, cancelled) {
    trigger.setAttribute("aria-controls", box.id);
    function set(open) {
      box.hidden = !open;
      trigger.setAttribute("aria-expanded", open ? "true" : "false");
    }
    function cancel() {
      set(false);
      trigger.focus();
      if (cancelled) cancelled();
    }
    box.querySelector("[data-confirm-cancel]").addEventListener("click", cancel);
    box.addEventListener("keydown", function (event) {
      if (event.key === "Escape") cancel();
    });
    set(false);
    return {
      open: function () {
        set(true);
        var question = box.querySelector("[data-confirm-question]");
        question.setAttribute("tabindex", "-1");
        question.scrollIntoView({ block: "center" });
        question.focus({ preventScroll: true });
      },
      close: function () { set(false); },
    };
  };

  // A file the API answers (a CSV, a JSON download), fetched with the session cookie and handed
  // to the browser as a download from memory: never a URL with data in it, never the worker's
  // cache. What happened is said in `box`: done, a new sign-in wanted (freshLogin), or failed.
  // A plain link to the API showed its refusal as raw JSON (in the installed app, with no way
  // back) and offline the browser's own error.
  App.download = function (path, fallbackName, box) {
    return fetch(window.AlumniAPI.url(path), { credentials: "include", cache: "no-store" }).then(function (response) {
      if (!response.ok) {
        return response.json().then(function (data) { return { status: response.status, data: data }; }, function () { return false; });
      }
      var named = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
      return response.blob().then(function (blob) {
        var link = document.createElement("a");
        link.href = URL.createObjectURL(blob);
        link.download = named ? named[1] : fallbackName;
        link.hidden = true;
        document.body.appendChild(link);
        link.click();
        window.setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
        return true;
      });
    }, function () { return false; }).then(function (ok) {
      if (App.freshLogin(box, ok)) return;
      if (ok === true) App.say(box, "ファイルをダウンロードしました。", false);
      else App.say(box, "ダウンロードできませんでした。通信状態を確かめて、もう一度お試しください。", true);
    });
  };

  function isMemberOnly(url) {
    return url.pathname.indexOf("/api/") === 0 || url.pathname.indexOf("/admin/") === 0 || url.search !== "";
  }

  // Call after every sign-out (ログアウト, すべての端末からログアウト, 退会): the service worker
  // drops whatever is not a public page or the app's static shell, closes notifications (they
  // show notice titles) and the icon's badge. Resolves when done (or after 3 s at most).
  App.signedOut = function () {
    var work = [];
    if ("caches" in window) {
      work.push(caches.keys().then(function (names) {
        return Promise.all(names.map(function (name) {
          return caches.open(name).then(function (cache) {
            return cache.keys().then(function (requests) {
              return Promise.all(requests.filter(function (request) {
                return isMemberOnly(new URL(request.url));
              }).map(function (request) { return cache.delete(request); }));
            });
          });
        }));
      }).catch(function () { return undefined; }));
    }
    if ("serviceWorker" in navigator) {
      work.push(navigator.serviceWorker.getRegistration().then(function (registration) {
        var worker = registration && (registration.active || navigator.serviceWorker.controller);
        if (!worker) return undefined;
        return new Promise(function (resolve) {
          var channel = new MessageChannel();
          channel.port1.onmessage = function () { resolve(); };
          worker.postMessage({ type: "CLEAR_MEMBER" }, [channel.port2]);
          setTimeout(resolve, 3000);
        });
      }).catch(function () { return undefined; }));
    }
    if (navigator.clearAppBadge) work.push(navigator.clearAppBadge().catch(function () { return undefined; }));
    return Promise.all(work).then(function () { return undefined; });
  };

  // The member home's data, asked once per page (the badges and the home screen share it).
  // `fresh`: ask again (a page shown again from the back/forward cache).
  var homeAsked = null;
  App.home = function (fresh) {
    if (!homeAsked || fresh) homeAsked = window.AlumniAPI.call("GET", "/me/home");
    return homeAsked;
  };

  // What a badge counts, as a screen reader says it (the tab's own name says where).
  var BADGE_WORDS = { surveys: "回答待ち" };

  function setBadge(name, count) {
    document.querySelectorAll('[data-badge="' + name + '"]').forEach(function (badge) {
      badge.textContent = "";
      badge.hidden = !count;
      if (!count) return;
      var shown = document.createElement("span");
      shown.setAttribute("aria-hidden", "true");
      shown.textContent = count > 99 ? "99+" : String(count);
      var spoken = document.createElement("span");
      spoken.className = "visually-hidden";
      spoken.textContent = "（" + (BADGE_WORDS[name] || "未読") + " " + count + " 件）";
      badge.appendChild(shown);
      badge.appendChild(spoken);
    });
  }

  function showSignedIn() {
    document.querySelectorAll(".tab[data-member-href]").forEach(function (tab) {
      tab.setAttribute("href", tab.getAttribute("data-member-href"));
    });
    document.querySelectorAll("[data-when]").forEach(function (node) {
      node.hidden = node.getAttribute("data-when") !== "signed-in";
    });
    var account = $("account-link");
    if (account) {
      account.setAttribute("href", "/app/profile/");
      $("account-label").textContent = "マイページ";
      var state = document.createElement("span");
      state.className = "visually-hidden";
      state.textContent = "（ログイン中）";
      account.appendChild(state);
      if (window.location.pathname === "/app/profile/") account.setAttribute("aria-current", "page");
      else account.removeAttribute("aria-current");
    }
    showBadges(false);
  }

  function showBadges(fresh) {
    App.home(fresh).then(function (result) {
      if (result.status !== 200) return;
      var home = result.data;
      setBadge("notices", home.notices.count);
      setBadge("chat", home.chat.count);
      setBadge("surveys", home.surveys.count);
      var initial = $("account-initial");
      if (initial && home.initial) { initial.textContent = home.initial; initial.hidden = false; }
      if (navigator.setAppBadge) {
        navigator.setAppBadge(home.notices.count + home.chat.count).catch(function () { return undefined; });
      }
    });
  }

  // Asks the counts again and redraws the badges (a screen that changed one: a survey sent).
  App.refreshBadges = function () { showBadges(true); };

  // No connection when the page opened: nobody can tell whether the person is signed in (the
  // header said ログイン to someone who was, and nothing about the sign-in is kept on the
  // device to know better). The header says オフライン and leads to the offline page, which
  // lists what this device keeps to read; once the connection is back, the state is asked again.
  function showOffline() {
    var account = $("account-link");
    if (!account) return;
    account.setAttribute("data-offline", "");
    account.setAttribute("href", "/offline/");
    $("account-label").textContent = "オフライン";
    if (window.location.pathname === "/offline/") account.setAttribute("aria-current", "page");
    else account.removeAttribute("aria-current");
  }

  function leaveOffline() {
    var account = $("account-link");
    if (!account || !account.hasAttribute("data-offline")) return;
    account.removeAttribute("data-offline");
    account.removeAttribute("aria-current");
    account.setAttribute("href", "/app/login/");
    $("account-label").textContent = "ログイン";
  }

  function followSession() {
    if (!window.AlumniAPI || document.querySelector(".preview-banner")) return;
    window.AlumniAPI.session().then(function (result) {
      if (result.status === 0) { showOffline(); return; }
      if (result.status !== 200) return;
      leaveOffline();
      if (result.data.signed_in) { showSignedIn(); return; }
      if (document.body.hasAttribute("data-member-screen")) {
        window.location.replace(App.loginUrl());
        return;
      }
      App.signedOut();
    });
  }

  // Back online after a page opened offline: the header learns the sign-in state then.
  window.addEventListener("online", function () {
    var account = $("account-link");
    if (account && account.hasAttribute("data-offline")) followSession();
  });

  // --- the installed app's back control, the text size -----------------------------------

  function standalone() {
    return window.navigator.standalone === true ||
      window.matchMedia("(display-mode: standalone)").matches;
  }

  function setupBack() {
    var back = $("back-button");
    var path = window.location.pathname;
    if (!back || !standalone() || path === "/" || path === APP_HOME) return;
    back.hidden = false;
    back.addEventListener("click", function () {
      // Back to the screen this one was opened from; opened from a notification or a mail
      // (no screen of ours before it), or straight after the login, to the home instead.
      var from = null;
      try { from = document.referrer ? new URL(document.referrer) : null; } catch (error) { from = null; }
      var ours = from && from.origin === window.location.origin && from.pathname.indexOf("/app/login/") !== 0;
      if (ours && window.history.length > 1) window.history.back();
      else window.location.assign(APP_HOME);
    });
  }

  function setupTextSize() {
    var buttons = document.querySelectorAll("[data-text-size]");
    function show(size) {
      buttons.forEach(function (button) {
        button.setAttribute("aria-pressed", String(button.getAttribute("data-text-size") === size));
      });
    }
    show(document.documentElement.getAttribute("data-text-size") || "standard");
    buttons.forEach(function (button) {
      button.addEventListener("click", function () {
        var size = button.getAttribute("data-text-size");
        if (size === "standard") document.documentElement.removeAttribute("data-text-size");
        else document.documentElement.setAttribute("data-text-size", size);
        try { window.localStorage.setItem("text-size", size); } catch (error) { /* kept for this page only */ }
        show(size);
      });
    });
  }

  // The header stays at the top while it is small. Text at 200 % wraps it to three rows (190 of
  // 844 px on a 390 px phone): kept there, it hid a fifth of every screen, and what the focus
  // scrolled to could sit under it (the scroll padding is 5rem). Then it scrolls with the page
  // (html.header-scrolls; a conversation, which does not scroll, leaves it out: chat.css).
  function setupHeader() {
    var header = document.querySelector(".site-header");
    if (!header) return;
    var fit = function () {
      // Not shown (the chat hides a tall header): its height says nothing, the state stays.
      if (!header.getClientRects().length) return;
      var tall = header.getBoundingClientRect().height > window.innerHeight / 5;
      document.documentElement.classList.toggle("header-scrolls", tall);
    };
    if ("ResizeObserver" in window) new window.ResizeObserver(fit).observe(header);
    window.addEventListener("resize", fit);
    fit();
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupBack();
    setupHeader();
    setupTextSize();
    followSession();
  });
  // Back to a page kept by the browser (back/forward cache): its counts may be old.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    homeAsked = null; // the screen's own listener (after this one) asks once more too
    if ($("account-initial") && !$("account-initial").hidden) showBadges(false);
  });
})();
