// Community chat screens of the PWA: the group list (unread counts, join with house rules) and
// one group's conversation (cheap polling with ETag, an outbox that survives going offline),
// laid out like a messaging app: newest at the bottom, the composer above the keyboard.
// Messages are text: every node is built with textContent; links become <a> only for http(s).
(function () {
  "use strict";
  var POLL_VISIBLE_MS = 3000;
  var POLL_HIDDEN_MS = 30000;
  var NEAR_BOTTOM_PX = 80;
  var COUNT_SHOWN_FROM = 1500;

  function $(id) { return document.getElementById(id); }

  // The shared API call, plus the poll's ETag read off the response.
  function api(method, path, body, extraHeaders) {
    return window.AlumniAPI.call(method, path, body, extraHeaders).then(function (result) {
      result.etag = result.headers.get("ETag") || "";
      return result;
    });
  }

  // true or false; null when offline (unknown until the connection is back).
  function session() {
    return window.AlumniAPI.session().then(function (result) {
      if (result.status === 0) return null;
      return result.status === 200 && result.data.signed_in;
    });
  }

  function say(message) {
    var box = $("chat-status");
    if (box) box.textContent = message || "";
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Text with line breaks and clickable http(s) links, never parsed as HTML.
  var URL_PATTERN = /https?:\/\/[^\s<>"'「」（）、。]+/g;
  function appendText(parent, text) {
    var lines = text.split("\n");
    lines.forEach(function (line, index) {
      if (index > 0) parent.appendChild(document.createElement("br"));
      var last = 0;
      line.replace(URL_PATTERN, function (match, offset) {
        var candidate = match.replace(/[.,!?)\]]+$/, "");
        var url = null;
        try { url = new URL(candidate); } catch (error) { url = null; }
        if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) return match;
        parent.appendChild(document.createTextNode(line.slice(last, offset)));
        var link = element("a", "", candidate);
        link.href = url.href;
        link.rel = "noopener noreferrer nofollow";
        link.target = "_blank";
        parent.appendChild(link);
        last = offset + candidate.length;
        return match;
      });
      parent.appendChild(document.createTextNode(line.slice(last)));
    });
  }

  function rulesInto(container, text) {
    container.textContent = "";
    text.split("\n").forEach(function (line) {
      if (line.trim()) container.appendChild(element("p", "", line));
    });
  }

  // Japan time on every phone (a message's time is the same for everyone in the group).
  var timeFormat = new Intl.DateTimeFormat("ja-JP", {
    timeZone: "Asia/Tokyo", month: "long", day: "numeric", hour: "2-digit", minute: "2-digit",
  });

  function newClientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  // --- the group list -----------------------------------------------------------------------

  function setupGroups() {
    window.AlumniAPI.session().then(function (result) {
      if (window.AlumniAPI.offlineAtLoad(result, $("chat-status"))) return;
      if (!(result.status === 200 && result.data.signed_in)) { $("signed-out").hidden = false; return; }
      $("group-lists").hidden = false;
      loadGroups();
    });
  }

  function loadGroups() {
    api("GET", "/groups").then(function (result) {
      if (result.status !== 200) { say(result.data.detail); return; }
      var mine = $("my-groups");
      mine.textContent = "";
      result.data.groups.forEach(function (group) {
        var item = element("li", "card");
        var link = element("a");
        link.href = "/app/chat/?group=" + encodeURIComponent(group.id);
        var title = element("span", "card-title", group.name);
        if (group.status === "pending") {
          title.appendChild(element("span", "status", "承認待ち"));
          link.removeAttribute("href");
        } else if (group.unread > 0) {
          title.appendChild(element("span", "chat-unread", "未読 " + group.unread + "件"));
        }
        link.appendChild(title);
        if (group.description) link.appendChild(element("span", "card-summary", group.description));
        item.appendChild(link);
        mine.appendChild(item);
      });
      $("no-groups").hidden = result.data.groups.length > 0;
      var joinable = $("joinable-groups");
      joinable.textContent = "";
      result.data.joinable.forEach(function (group) { joinable.appendChild(joinableItem(group)); });
      $("no-joinable").hidden = result.data.joinable.length > 0;
    });
  }

  function joinableItem(group) {
    var item = element("li");
    var headingId = "group-" + group.id;
    var heading = element("h3", "", group.name);
    heading.id = headingId;
    item.appendChild(heading);
    if (group.description) item.appendChild(element("p", "", group.description));
    var show = element("button", "button button-secondary", "ルールを読んで参加する");
    show.type = "button";
    show.setAttribute("aria-describedby", headingId);
    var form = element("form");
    form.hidden = true;
    form.appendChild(element("h4", "", "グループのルール"));
    var rules = element("div", "chat-rules");
    rulesInto(rules, group.house_rules);
    form.appendChild(rules);
    // The label holds the box: the whole line is the tap target.
    var check = element("label", "chat-check");
    var box = element("input");
    box.type = "checkbox";
    box.id = "accept-" + group.id;
    check.appendChild(box);
    check.appendChild(document.createTextNode("ルールを読み、守ることに同意します"));
    form.appendChild(check);
    var error = element("p", "chat-error");
    error.setAttribute("role", "alert");
    error.hidden = true;
    form.appendChild(error);
    var join = element("button", "button", group.join_policy === "approval" ? "参加を申し込む" : "参加する");
    join.type = "submit";
    form.appendChild(join);
    show.addEventListener("click", function () {
      form.hidden = false;
      show.hidden = true;
      box.focus();
    });
    window.AlumniAPI.onSubmit(form, function () {
      if (!box.checked) {
        error.textContent = "ルールへの同意にチェックを入れてください。";
        error.hidden = false;
        return undefined;
      }
      return api("POST", "/groups/" + group.id + "/join", { accept_rules: true }).then(function (result) {
        if (result.status === 200 && result.data.status === "active") {
          window.location.assign("/app/chat/?group=" + encodeURIComponent(group.id));
        } else if (result.status === 200) {
          // The list is drawn again without the button pressed: the focus goes to what was
          // said, not to the top of the page.
          say("参加を申し込みました。承認されると会話に参加できます。");
          $("chat-status").focus();
          loadGroups();
        } else {
          error.textContent = result.data.detail;
          error.hidden = false;
        }
      });
    });
    item.appendChild(show);
    item.appendChild(form);
    return item;
  }

  // --- one conversation ---------------------------------------------------------------------

  function setupChat() {
    var groupId = new URLSearchParams(window.location.search).get("group") || "";
    if (!/^\d+$/.test(groupId)) { $("not-found").hidden = false; return; }
    var base = "/groups/" + groupId;
    var state = { etag: "", version: null, lastId: 0, firstId: null, membership: null, editing: null, draft: "" };
    var shown = {};
    var timer = null;
    var sending = false;
    var log = $("messages");
    var scroller = $("chat-scroll");
    var jump = $("jump-newest");
    var textarea = $("chat-body");

    // Unsent messages wait here, in the page's memory only: what an alumnus writes is never
    // kept in browser storage (nor left behind for the next person on a shared phone). They
    // are kept while the chat is open, offline included, and sent once back online.
    var pending = [];
    function outbox() { return pending.slice(); }
    function saveOutbox(items) { pending = items.slice(); }

    // Only the message list scrolls. A reader at the bottom follows new messages; one who
    // scrolled up to read is left there and offered a 「新しいメッセージ」 button instead.
    function nearBottom() {
      return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight <= NEAR_BOTTOM_PX;
    }
    var atBottom = true;

    function scrollToNewest() {
      scroller.scrollTop = scroller.scrollHeight;
      atBottom = true;
      hideButton(jump);
    }

    // A button pressed from the keyboard that goes away leaves the focus in the message list,
    // not at the top of the page.
    function hideButton(button) {
      if (document.activeElement === button) scroller.focus({ preventScroll: true });
      button.hidden = true;
    }

    // The page is as tall as what is visible of it: the on-screen keyboard takes its part away
    // (visualViewport; `interactive-widget=resizes-content` does the same where supported).
    function fitViewport() {
      var viewport = window.visualViewport;
      var height = viewport ? viewport.height : window.innerHeight;
      document.documentElement.style.setProperty("--chat-viewport-height", Math.round(height) + "px");
      if (window.scrollY) window.scrollTo(0, 0);
      if (atBottom) scrollToNewest();
    }

    function render(message) {
      var item = element("li", "chat-message" + (message.mine ? " is-mine" : ""));
      item.dataset.id = String(message.id);
      var metaLine = element("p", "chat-meta");
      metaLine.appendChild(element("span", "chat-author", message.mine ? "あなた" : message.author_name));
      var time = element("time", "", timeFormat.format(new Date(message.created_at)));
      time.dateTime = message.created_at;
      metaLine.appendChild(time);
      if (message.edited_at && message.state === "visible") metaLine.appendChild(document.createTextNode("（編集済み）"));
      item.appendChild(metaLine);
      if (message.state === "visible") {
        var body = element("p", "chat-body");
        body.dir = "auto";
        appendText(body, message.body);
        item.appendChild(body);
      } else {
        item.appendChild(element("p", "chat-removed",
          message.state === "hidden" ? "（モデレーターが非表示にしました）" : "（削除されたメッセージです）"));
      }
      if (message.state === "visible") item.appendChild(actions(message));
      return item;
    }

    // A removed message is drawn again without its buttons, the focused one included: focus
    // would drop to the top of the page. It stays in the message list, and the change is said.
    function removed(message) {
      say("");  // said again when a second message goes
      poll().then(function () {
        say(message);
        if (!document.activeElement || document.activeElement === document.body) scroller.focus({ preventScroll: true });
      });
    }

    function actions(message) {
      var box = element("div", "chat-actions");
      // Each sends once at a time (the PWA's one way); `handler` returns what it sent.
      function button(label, handler) {
        var b = element("button", "", label);
        b.type = "button";
        window.AlumniAPI.onPress(b, handler);
        box.appendChild(b);
      }
      var canPost = state.membership && state.membership.can_post;
      if (message.mine && canPost) {
        if (message.editable_until && new Date(message.editable_until) > new Date()) {
          button("編集", function () { startEdit(message); });
        }
        button("削除", function () {
          if (!window.confirm("このメッセージを削除しますか？")) return undefined;
          return api("DELETE", "/messages/" + message.id).then(function (result) {
            if (result.status === 204) removed("メッセージを削除しました。"); else say(result.data.detail);
          });
        });
      } else if (!message.mine) {
        button("通報", function () {
          if (!window.confirm("このメッセージをモデレーターに通報しますか？")) return undefined;
          return api("POST", "/messages/" + message.id + "/report", { reason: "" }).then(function (result) {
            say(result.data.detail);
          });
        });
        if (state.membership && state.membership.role === "moderator" && state.membership.status === "active") {
          button("非表示にする", function () {
            if (!window.confirm("このメッセージを非表示にしますか？記録に残ります。")) return undefined;
            return api("POST", "/messages/" + message.id + "/hide", {}).then(function (result) {
              if (result.status === 200) removed("メッセージを非表示にしました。"); else say(result.data.detail);
            });
          });
        }
      }
      return box;
    }

    function place(message) {
      var stick = nearBottom();
      var node = render(message);
      var existing = shown[message.id];
      if (existing) {
        log.replaceChild(node, existing);
      } else {
        var before = null;
        Array.prototype.some.call(log.querySelectorAll("li[data-id]"), function (other) {
          if (Number(other.dataset.id) > message.id) { before = other; return true; }
          return false;
        });
        var pending = log.querySelector("li.is-pending");
        log.insertBefore(node, before || pending);
        if (!before && stick) scrollToNewest();
        else if (!before && !message.mine) jump.hidden = false;
      }
      shown[message.id] = node;
      if (message.id > state.lastId) state.lastId = message.id;
      if (state.firstId === null || message.id < state.firstId) state.firstId = message.id;
    }

    function renderOutbox() {
      Array.prototype.forEach.call(log.querySelectorAll("li.is-pending"), function (node) { log.removeChild(node); });
      outbox().forEach(function (entry) {
        var item = element("li", "chat-message is-mine is-pending");
        item.appendChild(element("p", "chat-meta", "送信待ち"));
        var body = element("p", "chat-body");
        body.dir = "auto";
        appendText(body, entry.body);
        item.appendChild(body);
        log.appendChild(item);
      });
    }

    // 「プッシュ通知で知らせる」 reaches only devices that receive pushes: ticked on a phone
    // that never turned them on, it promised what could not arrive. There a note says so and
    // leads to 通知の設定.
    function showPushDevice() {
      var note = $("notify-device");
      var show = function (subscribed) {
        note.hidden = subscribed;
        if (subscribed) $("notify").removeAttribute("aria-describedby");
        else $("notify").setAttribute("aria-describedby", "notify-device");
      };
      if (!("serviceWorker" in navigator) || !("PushManager" in window)) { show(false); return; }
      navigator.serviceWorker.ready.then(function (registration) {
        return registration.pushManager.getSubscription();
      }).then(function (subscription) { show(Boolean(subscription)); }, function () { show(false); });
    }

    function applyMembership(membership) {
      state.membership = membership;
      $("suspended").hidden = membership.can_post;
      $("send-form").hidden = !membership.can_post;
      $("notify").checked = !membership.muted;
      rulesInto($("house-rules"), membership.house_rules);
    }

    function closeRoom() {
      $("chat-room").hidden = true;
      $("chat-settings").hidden = true;
      stop();
    }

    function showOffline(offline) {
      $("connection").hidden = !offline;
    }

    function poll() {
      var query = state.version === null ? "" : "?after=" + state.lastId + "&since=" + state.version;
      var headers = state.etag && query ? { "If-None-Match": state.etag } : {};
      return api("GET", base + "/messages" + query, undefined, headers).then(function (result) {
        if (result.status === 0) { showOffline(true); return; }
        showOffline(false);
        if (result.status === 304) return;
        if (result.status === 404) { closeRoom(); $("not-found").hidden = false; return; }
        if (result.status === 401) { closeRoom(); $("signed-out").hidden = false; return; }
        if (result.status !== 200) { say(result.data.detail); return; }
        state.etag = result.etag;
        applyMembership(result.data.membership);
        if (state.version === null) $("load-older").hidden = !result.data.has_more_before;
        if ($("chat-heading").textContent !== result.data.membership.group_name) {
          $("chat-heading").textContent = result.data.membership.group_name;
          document.title = result.data.membership.group_name + " | " + document.title.split(" | ").slice(-1)[0];
        }
        state.version = result.data.version;
        result.data.messages.forEach(place);
        result.data.changed.forEach(function (message) { if (shown[message.id]) place(message); });
        if (result.data.has_more_after) return poll();
      });
    }

    function flush() {
      if (sending) return Promise.resolve();
      var items = outbox();
      if (!items.length) return Promise.resolve();
      sending = true;
      var entry = items[0];
      return api("POST", base + "/messages", { body: entry.body, client_id: entry.client_id }).then(function (result) {
        sending = false;
        if (result.status === 0 || result.status === 429 || result.status >= 500) {
          // Kept and sent again later; too many posts in a row: the server says why.
          showOffline(result.status === 0);
          if (result.status === 429) showError(result.data.detail);
          return;
        }
        saveOutbox(outbox().filter(function (other) { return other.client_id !== entry.client_id; }));
        if (result.status === 200 || result.status === 201) {
          showError("");
          renderOutbox();
          place(result.data);
          return flush();
        }
        // Refused (too long, suspended…): give the text back so nothing typed is lost.
        renderOutbox();
        if (!textarea.value) textarea.value = entry.body;
        showError(result.data.detail);
      });
    }

    function showError(message) {
      var box = $("chat-error");
      box.textContent = message || "";
      box.hidden = !message;
    }

    function count() {
      var counter = $("chat-count");
      counter.textContent = textarea.value.length.toLocaleString("ja-JP") + " / 2,000";
      counter.hidden = textarea.value.length < COUNT_SHOWN_FROM;
      grow();
    }

    // The composer grows with its text, up to its CSS max-height, then scrolls inside.
    function grow() {
      var follow = nearBottom();
      textarea.style.height = "auto";
      textarea.style.height = textarea.scrollHeight + 4 + "px";
      if (follow) scrollToNewest();
    }

    // What was being written when 編集 was tapped is put aside and given back when the edit is
    // saved or dropped: the composer was emptied and the unsent text lost.
    function startEdit(message) {
      if (state.editing === null) state.draft = textarea.value;
      state.editing = message.id;
      textarea.value = message.body;
      $("editing").hidden = false;
      count();
      textarea.focus();
    }

    function stopEdit() {
      state.editing = null;
      $("editing").hidden = true;
      textarea.value = state.draft;
      state.draft = "";
      count();
    }

    function schedule() {
      stop();
      var wait = document.visibilityState === "hidden" ? POLL_HIDDEN_MS : POLL_VISIBLE_MS;
      timer = window.setTimeout(function () {
        flush().then(poll).then(schedule, schedule);
      }, wait);
    }

    function stop() {
      if (timer !== null) window.clearTimeout(timer);
      timer = null;
    }

    // 送信 is busy until the message has gone (or waits in the outbox, offline): a second tap
    // meanwhile found the box emptied and said 「メッセージを入力してください」.
    window.AlumniAPI.onSubmit($("send-form"), function () {
      showError("");
      var text = textarea.value;
      if (!text.trim()) { showError("メッセージを入力してください。"); textarea.focus(); return undefined; }
      if (state.editing !== null) {
        return api("PATCH", "/messages/" + state.editing, { body: text }).then(function (result) {
          if (result.status === 200) { place(result.data); stopEdit(); } else showError(result.data.detail);
        });
      }
      var items = outbox();
      items.push({ client_id: newClientId(), body: text });
      saveOutbox(items);
      textarea.value = "";
      count();
      renderOutbox();
      scrollToNewest();
      return flush();
    });
    textarea.addEventListener("input", count);
    // やめる goes away with the edit: the focus goes on to the composer, not to the page's top.
    $("cancel-edit").addEventListener("click", function () { stopEdit(); textarea.focus(); });
    $("load-older").addEventListener("click", function () {
      api("GET", base + "/messages?before=" + state.firstId).then(function (result) {
        if (result.status !== 200) { say(result.data.detail); return; }
        var fromBottom = scroller.scrollHeight - scroller.scrollTop;
        var anchor = log.firstElementChild;
        result.data.messages.slice().reverse().forEach(function (message) {
          var node = render(message);
          log.insertBefore(node, anchor);
          anchor = node;
          shown[message.id] = node;
          state.firstId = message.id;
        });
        if (!result.data.has_more_before) hideButton($("load-older"));
        // The message read before stays where it was (no scroll anchoring in every browser).
        scroller.scrollTop = scroller.scrollHeight - fromBottom;
      });
    });
    scroller.addEventListener("scroll", function () {
      atBottom = nearBottom();
      if (atBottom) jump.hidden = true;
    }, { passive: true });
    jump.addEventListener("click", scrollToNewest);
    if (window.visualViewport) window.visualViewport.addEventListener("resize", fitViewport);
    window.addEventListener("resize", fitViewport);
    fitViewport();
    $("notify").addEventListener("change", function () {
      var box = $("notify");
      api("PATCH", base + "/membership", { muted: !box.checked }).then(function (result) {
        if (result.status === 200) {
          box.checked = !result.data.muted;
          say(result.data.muted ? "このグループの通知をオフにしました。" : "このグループの通知をオンにしました。");
          return;
        }
        // Not changed (offline, refused): the box shows the setting as it still is.
        box.checked = !box.checked;
        say(result.data.detail);
      });
    });
    showPushDevice();
    window.AlumniAPI.onPress($("leave"), function () {
      if (!window.confirm("このグループから退出しますか？")) return undefined;
      return api("POST", base + "/leave").then(function (result) {
        if (result.status === 204) window.location.assign("/app/groups/"); else say(result.data.detail);
      });
    });
    window.addEventListener("online", function () { showOffline(false); flush().then(poll); });
    window.addEventListener("offline", function () { showOffline(true); });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") { flush().then(poll).then(schedule, schedule); } else schedule();
    });

    session().then(function (signedIn) {
      if (signedIn === false) { $("signed-out").hidden = false; return; }
      // Offline at load: the room says so and keeps trying (a 401 once back shows sign-in).
      $("chat-room").hidden = false;
      $("chat-settings").hidden = false;
      poll().then(function () { scrollToNewest(); }).then(flush).then(schedule, schedule);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var screen = document.querySelector("[data-chat-screen]");
    if (!screen) return;
    if (screen.dataset.chatScreen === "groups") setupGroups();
    else setupChat();
  });
})();
