// The signed-in alumnus's notices (public, members' and their groups'), from the API, in the
// look of the static notice pages; `?notice=<id>` shows one. Plain fields go in as text; a
// body paragraph is the editor's rich text rendered by the CMS, inserted only after keeping
// the tags and link targets rich text can contain. Nothing is kept in browser storage.
(function () {
  "use strict";
  var api = window.AlumniAPI.call;
  var $ = function (id) { return document.getElementById(id); };
  var RICH_TEXT_TAGS = ["P", "H2", "H3", "B", "STRONG", "I", "EM", "OL", "UL", "LI", "A", "BR"];
  var OPEN_CHANNELS = ["push", "email", "digest"];
  var jaDate = window.AlumniApp.jaDate;
  var el = window.AlumniApp.el;

  function safeUrl(value) {
    try {
      var url = new URL(value, window.location.href);
      return ["http:", "https:", "mailto:", "tel:"].indexOf(url.protocol) >= 0 ? url.href : "";
    } catch (error) {
      return "";
    }
  }

  function richText(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    var clean = document.createDocumentFragment();
    (function copy(from, to) {
      Array.prototype.forEach.call(from.childNodes, function (node) {
        if (node.nodeType === Node.TEXT_NODE) {
          to.appendChild(document.createTextNode(node.textContent));
        } else if (node.nodeType === Node.ELEMENT_NODE) {
          if (RICH_TEXT_TAGS.indexOf(node.tagName) < 0) { copy(node, to); return; }
          var kept = document.createElement(node.tagName.toLowerCase());
          if (node.tagName === "A") {
            var href = safeUrl(node.getAttribute("href") || "");
            if (href) kept.setAttribute("href", href);
          }
          copy(node, kept);
          to.appendChild(kept);
        }
      });
    })(template.content, clean);
    return clean;
  }

  function bodyBlock(block) {
    if (block.type === "paragraph") return richText(block.html || "");
    if (block.type === "button") {
      var href = safeUrl(block.url || "");
      if (!href) return null;
      var p = el("p");
      var link = el("a", "button", block.label || "");
      link.href = href;
      p.appendChild(link);
      return p;
    }
    if (block.type === "image") {
      var src = safeUrl(block.url || "");
      if (!src) return null;
      var img = el("img");
      img.src = src;
      img.alt = block.alt || "";
      if (block.width) img.width = block.width;
      if (block.height) img.height = block.height;
      img.loading = "lazy";
      return img;
    }
    return null;
  }

  function card(item) {
    var li = el("li", "card");
    var a = el("a");
    a.href = "/app/feed/?notice=" + encodeURIComponent(item.id);
    var metaLine = el("span", "card-meta");
    var time = el("time", "", jaDate(item.date));
    time.setAttribute("datetime", item.date);
    metaLine.appendChild(time);
    metaLine.appendChild(document.createTextNode(" "));
    metaLine.appendChild(el("span", "tag", item.category));
    a.appendChild(metaLine);
    a.appendChild(el("span", "card-title", item.title));
    a.appendChild(el("span", "card-summary", item.summary));
    li.appendChild(a);
    return li;
  }

  function status(message, isError) {
    var box = $("feed-status");
    box.textContent = message || "";
    box.className = "form-status" + (message ? (isError ? " form-status--error" : " form-status--ok") : "");
  }

  // `next` is the API's own link to the following page; its query string is all we send back.
  function loadPage(next) {
    var more = $("feed-more");
    // The button is hidden while the page loads, and with it the focus of one who pressed it:
    // the focus goes on to the first notice added, not back to the top of the page.
    var pressed = document.activeElement === more;
    $("feed-more-row").hidden = true;
    api("GET", "/notices" + (next ? new URL(next, window.location.href).search : "")).then(function (result) {
      if (result.status !== 200) { status(result.data.detail || "お知らせを読み込めませんでした。", true); return; }
      var list = $("feed-list");
      var added = result.data.results.map(function (item) { return list.appendChild(card(item)); });
      if (pressed && added.length) added[0].querySelector("a").focus();
      if (!list.children.length) status("まだお知らせはありません。", false);
      if (result.data.next) {
        $("feed-more-row").hidden = false;
        more.onclick = function () { loadPage(result.data.next); };
      }
    });
  }

  function showNotice(id, via) {
    api("GET", "/notices/" + encodeURIComponent(id)).then(function (result) {
      if (result.status !== 200) {
        $("feed-list-view").hidden = false;
        status("このお知らせは見つかりませんでした。", true);
        loadPage(null);
        return;
      }
      var notice = result.data;
      $("feed-list-view").hidden = true;
      var time = $("notice-date");
      time.textContent = jaDate(notice.date);
      time.setAttribute("datetime", notice.date);
      $("notice-category").textContent = notice.category;
      $("notice-title").textContent = notice.title;
      $("notice-summary").textContent = notice.summary;
      var body = $("notice-body");
      body.textContent = "";
      (notice.body || []).forEach(function (block) {
        var node = bodyBlock(block);
        if (node) body.appendChild(node);
      });
      document.title = notice.title + " | " + document.title.split(" | ").pop();
      var article = $("feed-notice");
      article.hidden = false;
      article.focus();
      if (window.AlumniSignals) window.AlumniSignals.view(id, via);
      if (OPEN_CHANNELS.indexOf(via) >= 0) {
        // Counted only for alumni who consented (the API decides); then the parameter goes.
        api("POST", "/push/opens", { notice: Number(id), channel: via });
        history.replaceState(null, "", "/app/feed/?notice=" + encodeURIComponent(id));
      }
    });
  }

  function setup() {
    if (!document.querySelector("[data-feed-screen]")) return;
    var params = new URLSearchParams(window.location.search);
    window.AlumniAPI.session().then(function (state) {
      if (window.AlumniAPI.offlineAtLoad(state, $("feed-status"))) return;
      if (!state.data.signed_in) { $("feed-signed-out").hidden = false; return; }
      var id = params.get("notice");
      if (id && /^[0-9]+$/.test(id)) showNotice(id, params.get("via") || "");
      else loadPage(null);
    });
  }

  document.addEventListener("DOMContentLoaded", setup);
})();
