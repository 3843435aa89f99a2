// The notification settings screen: says why, asks for permission only from a tap, subscribes
// with the server's VAPID key and hands the subscription to the API; unsubscribes this device.
// On iPhone Safari outside the home-screen app, web push cannot work: explain that step first.
// Nothing is kept in browser storage; the CSRF token lives only in memory.
(function () {
  "use strict";
  var api = window.AlumniAPI.call;
  var $ = function (id) { return document.getElementById(id); };

  function keyBytes(base64url) {
    var base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    base64 += "====".slice(base64.length % 4 || 4);
    var raw = atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function isIos() {
    var ua = navigator.userAgent;
    return /iPhone|iPad|iPod/.test(ua) || (ua.indexOf("Macintosh") >= 0 && navigator.maxTouchPoints > 1);
  }

  function isInstalledApp() {
    return window.navigator.standalone === true ||
      window.matchMedia("(display-mode: standalone)").matches;
  }

  function supported() {
    return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  }

  function status(message, isError) {
    var box = $("push-status");
    box.textContent = message || "";
    box.className = "form-status" + (message ? (isError ? " form-status--error" : " form-status--ok") : "");
    if (message) box.focus();
  }

  function show(subscribed) {
    // The rows are hidden, not the buttons: `.button` sets a display that would beat `hidden`.
    $("push-subscribe-row").hidden = subscribed;
    $("push-unsubscribe-row").hidden = !subscribed;
    $("push-denied").hidden = Notification.permission !== "denied" || subscribed;
  }

  function registration() {
    return navigator.serviceWorker.ready;
  }

  // Run from 通知を受け取る as the PWA's other sends (js/api.js onPress): once at a time.
  function subscribe(publicKey) {
    status("", false);
    // The permission prompt comes from this tap and nothing else.
    return Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") {
        show(false);
        status(permission === "denied"
          ? "通知は許可されませんでした。"
          : "通知の許可を選ばずに閉じました。受け取る場合は、もう一度ボタンを押してください。", true);
        return null;
      }
      status("通知を登録しています…", false);
      return registration().then(function (reg) {
        return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(publicKey) });
      }).then(function (subscription) {
        return api("POST", "/push/subscriptions", subscription.toJSON()).then(function (result) {
          if (result.status !== 201) {
            subscription.unsubscribe();
            throw new Error(result.data.detail || "");
          }
          return api("PATCH", "/me", { consent_push: true });
        });
      }).then(function () {
        show(true);
        status("この端末で通知を受け取る設定にしました。", false);
      });
    }).catch(function () {
      show(false);
      status("通知を登録できませんでした。時間をおいて、もう一度お試しください。", true);
    });
  }

  function unsubscribe() {
    return registration().then(function (reg) {
      return reg.pushManager.getSubscription();
    }).then(function (subscription) {
      if (!subscription) return null;
      return api("DELETE", "/push/subscriptions", { endpoint: subscription.endpoint }).then(function () {
        return subscription.unsubscribe();
      });
    }).then(function () {
      show(false);
      status("この端末の通知を止めました。", false);
    }, function () {
      status("通知を止められませんでした。時間をおいて、もう一度お試しください。", true);
    });
  }

  function setup() {
    var screen = document.querySelector("[data-push-screen]");
    if (!screen) return;
    if (isIos() && !isInstalledApp()) {
      $("push-ios-install").hidden = false;
      return;
    }
    if (!supported()) {
      $("push-unsupported").hidden = false;
      return;
    }
    window.AlumniAPI.session().then(function (state) {
      if (window.AlumniAPI.offlineAtLoad(state, $("push-status"))) {
        $("push-status").className = "form-status form-status--error";
        return null;
      }
      if (!state.data.signed_in) {
        $("push-signed-out").hidden = false;
        return null;
      }
      return api("GET", "/push/key").then(function (key) {
        if (key.status !== 200) {
          status(key.data.detail || "現在、通知の登録を受け付けていません。", true);
          return;
        }
        window.AlumniAPI.onPress($("push-subscribe"), function () { return subscribe(key.data.public_key); });
        window.AlumniAPI.onPress($("push-unsubscribe"), unsubscribe);
        return registration().then(function (reg) {
          return reg.pushManager.getSubscription();
        }).then(function (subscription) {
          show(!!subscription);
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", setup);
})();
