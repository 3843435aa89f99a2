// Account screens of the PWA: invitation, registration, code login, profile and rights.
// Talks to the API origin of <meta name="api-origin"> with the session cookie; keeps nothing
// personal in browser storage (the CSRF token lives only in memory).
(function () {
  "use strict";
  var api = window.AlumniAPI.call;
  var onSubmit = window.AlumniAPI.onSubmit;
  var onPress = window.AlumniAPI.onPress;

  // The shell's clean-up after any sign-out (member-only caches, notifications); see app.js.
  function clearMemberData() {
    return window.AlumniApp && window.AlumniApp.signedOut ? window.AlumniApp.signedOut() : Promise.resolve();
  }

  // Goes to `url`; the promise never settles, so the control that sent stays busy while the
  // next page loads (a tap meanwhile would send again from a page being left).
  function leaveFor(url) {
    window.location.assign(url);
    return new Promise(function () { return undefined; });
  }

  function refreshSession() {
    return window.AlumniAPI.session().then(function (result) { return result.data; });
  }

  // The session state of a screen that needs a sign-in, or null when there is no connection.
  function sessionOrOffline(box) {
    return window.AlumniAPI.session().then(function (result) {
      return window.AlumniAPI.offlineAtLoad(result, box) ? null : result.data;
    });
  }

  function showStatus(form, message, isError) {
    var box = form.querySelector("[data-status]");
    if (!box) return;
    box.textContent = message || "";
    box.className = "form-status" + (message ? (isError ? " form-status--error" : " form-status--ok") : "");
    if (message && isError) box.focus();
  }

  function clearErrors(form) {
    form.querySelectorAll("[data-error-for]").forEach(function (node) {
      node.textContent = "";
      node.hidden = true;
    });
    form.querySelectorAll("[aria-invalid]").forEach(function (node) {
      node.removeAttribute("aria-invalid");
    });
  }

  function showErrors(form, result) {
    var errors = result.data.errors || {};
    var shownInline = false;
    Object.keys(errors).forEach(function (name) {
      var field = form.elements[name];
      var holder = form.querySelector('[data-error-for="' + name + '"]');
      var message = [].concat(errors[name]).join(" ");
      if (holder) { holder.textContent = message; holder.hidden = false; shownInline = true; }
      if (field && field.setAttribute) field.setAttribute("aria-invalid", "true");
    });
    // A field's own message stands next to it; the summary at the top only points there.
    showStatus(
      form,
      shownInline ? "入力内容をご確認ください（赤い「⚠」の項目）。" : result.data.detail || "エラーが発生しました。",
      true
    );
  }

  function values(form) {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name) return;
      if (field.type === "checkbox") data[field.name] = field.checked;
      else data[field.name] = field.value;
    });
    return data;
  }

  // The invitation link carries the code in its fragment (#code=…), which the browser never
  // sends to a server; once read, it is taken out of the address and the history entry too.
  // (`?code=` of links made before is read and cleared the same way.)
  function codeFromUrl() {
    var fragment = new URLSearchParams(window.location.hash.slice(1));
    var query = new URLSearchParams(window.location.search);
    var code = fragment.get("code") || query.get("code") || "";
    if (fragment.has("code") || query.has("code")) {
      query.delete("code");
      var rest = query.toString();
      window.history.replaceState(window.history.state, "", window.location.pathname + (rest ? "?" + rest : ""));
    }
    return code;
  }

  function setupInvite() {
    var code = codeFromUrl();
    var shown = document.getElementById("invite-code");
    var link = document.getElementById("invite-register");
    if (shown) shown.textContent = code || "（コードはお手元の案内でご確認ください）";
    if (link) link.href = "/app/register/" + (code ? "#code=" + encodeURIComponent(code) : "");
  }

  function setupRegister(form) {
    if (form.elements.invitation_code && !form.elements.invitation_code.value) {
      form.elements.invitation_code.value = codeFromUrl();
    }
    api("GET", "/privacy-notice").then(function (result) {
      var list = document.getElementById("purposes");
      if (list && result.data.purposes) {
        result.data.purposes.forEach(function (text) {
          var item = document.createElement("li");
          item.textContent = text;
          list.appendChild(item);
        });
      }
      if (result.data.version) form.elements.privacy_notice_version.value = result.data.version;
    });
    onSubmit(form, function () {
      clearErrors(form);
      showStatus(form, "", false);
      return api("POST", "/registrations", values(form)).then(function (result) {
        if (result.status === 201) {
          form.hidden = true;
          document.getElementById("register-login").hidden = true;
          var done = document.getElementById("register-done");
          done.hidden = false;
          done.querySelector("[data-pending]").hidden = result.data.status !== "pending";
          done.querySelector("[data-active]").hidden = result.data.status === "pending";
          done.focus();
        } else {
          showErrors(form, result);
        }
      });
    });
  }

  function setupLogin(emailForm) {
    var codeForm = document.getElementById("code-form");
    var email = "";
    var deleted = document.getElementById("deleted-notice");
    if (deleted) deleted.hidden = new URLSearchParams(window.location.search).get("deleted") !== "1";
    var params = new URLSearchParams(window.location.search);
    var afterLogin = window.AlumniApp.returnPath(params.get("next")) || "/app/";
    // ?fresh=1: export or deletion asked for a new sign-in, so a signed-in person stays here.
    var fresh = params.get("fresh") === "1";
    var freshNotice = document.getElementById("fresh-notice");
    if (freshNotice) freshNotice.hidden = !fresh;
    refreshSession().then(function (state) {
      if (state.signed_in && !fresh) window.location.replace(afterLogin); // signed in already: go on
    });
    onSubmit(emailForm, function () {
      clearErrors(emailForm);
      email = emailForm.elements.email.value;
      return api("POST", "/auth/code", { email: email }).then(function (result) {
        if (result.status === 202) {
          emailForm.hidden = true;
          codeForm.hidden = false;
          document.getElementById("code-sent-to").textContent = email;
          codeForm.elements.code.value = "";
          codeForm.elements.code.focus();
        } else {
          showErrors(emailForm, result);
        }
      });
    });
    document.getElementById("change-email").addEventListener("click", function () {
      clearErrors(codeForm);
      showStatus(codeForm, "", false);
      codeForm.hidden = true;
      emailForm.hidden = false;
      emailForm.elements.email.focus();
    });
    onSubmit(codeForm, function () {
      clearErrors(codeForm);
      return api("POST", "/auth/session", { email: email, code: codeForm.elements.code.value }).then(
        function (result) {
          if (result.status === 200) {
            // Back to the screen a link named (a notice, a chat …), else the member home.
            return leaveFor(afterLogin);
          }
          showErrors(codeForm, result);
          return undefined;
        }
      );
    });
  }

  function fillProfile(form, profile) {
    Object.keys(profile).forEach(function (name) {
      var field = form.elements[name];
      if (!field) return;
      if (field.type === "checkbox") field.checked = !!profile[name];
      else if (Array.isArray(profile[name])) field.value = profile[name].join("、");
      else field.value = profile[name] == null ? "" : profile[name];
    });
    var pending = document.getElementById("pending-email");
    pending.hidden = !profile.pending_email;
    document.getElementById("email-confirm-form").hidden = !profile.pending_email;
    if (profile.pending_email) pending.textContent = "新しいアドレス（" + profile.pending_email + "）に確認コードを送りました。";
  }

  function say(box, message, isError) {
    window.AlumniApp.say(box, message, isError);
  }

  function setupSessionsEnd() {
    var button = document.getElementById("sessions-end-button");
    var status = document.getElementById("sessions-status");
    var step = window.AlumniApp.confirmStep(button, document.getElementById("sessions-confirm"));
    button.addEventListener("click", step.open);
    onPress(document.getElementById("sessions-end-confirm"), function () {
      return api("DELETE", "/auth/sessions").then(function (result) {
        if (result.status !== 200) {
          say(status, result.data.detail || "ログアウトできませんでした。もう一度お試しください。", true);
          return;
        }
        document.getElementById("account").hidden = true;
        clearMemberData();
        var done = document.getElementById("signed-out-everywhere");
        document.getElementById("signed-out-everywhere-message").textContent = result.data.detail;
        done.hidden = false;
        done.focus();
      });
    });
  }

  function setupProfile(form) {
    var signedOut = document.getElementById("signed-out");
    sessionOrOffline(document.getElementById("profile-error")).then(function (state) {
      if (!state) return;
      if (!state.signed_in) { signedOut.hidden = false; return; }
      document.getElementById("account").hidden = false;
      document.getElementById("session-days").textContent = String(state.session_days || "");
      api("GET", "/me").then(function (result) { fillProfile(form, result.data); });
    });
    onSubmit(form, function () {
      clearErrors(form);
      var data = values(form);
      data.interests = data.interests.split(/[、,]/).map(function (s) { return s.trim(); }).filter(Boolean);
      return api("PATCH", "/me", data).then(function (result) {
        if (result.status === 200) { fillProfile(form, result.data); showStatus(form, "保存しました。", false); }
        else showErrors(form, result);
      });
    });
    var confirmForm = document.getElementById("email-confirm-form");
    onSubmit(confirmForm, function () {
      clearErrors(confirmForm);
      return api("POST", "/me/email/confirm", { code: confirmForm.elements.code.value }).then(function (result) {
        if (result.status === 200) { fillProfile(form, result.data); showStatus(form, "メールアドレスを変更しました。", false); }
        else showErrors(confirmForm, result);
      });
    });
    var exportStatus = document.getElementById("export-status");
    onPress(document.getElementById("export-csv-button"), function () {
      return window.AlumniApp.download("/me/export.csv", "my-data.csv", exportStatus);
    });
    setupSessionsEnd();
    onPress(document.getElementById("export-button"), function () {
      return api("GET", "/me/export").then(function (result) {
        if (window.AlumniApp.freshLogin(exportStatus, result)) return;
        if (result.status !== 200) {
          // Offline it offered the error itself as my-data.json.
          say(exportStatus, result.data.detail || "データを用意できませんでした。もう一度お試しください。", true);
          return;
        }
        var blob = new Blob([JSON.stringify(result.data, null, 2)], { type: "application/json" });
        var link = document.getElementById("export-link");
        link.href = URL.createObjectURL(blob);
        link.hidden = false;
        link.focus();
      });
    });
    var deleteForm = document.getElementById("delete-form");
    onSubmit(deleteForm, function () {
      clearErrors(deleteForm);
      if (!deleteForm.elements.confirm_delete.checked) {
        // Next to the box, which is marked invalid and described by it (as every field error).
        showErrors(deleteForm, { data: { errors: { confirm_delete: "退会する場合は、確認のチェックを入れてください。" } } });
        return undefined;
      }
      showStatus(deleteForm, "", false);
      return api("DELETE", "/me").then(function (result) {
        if (result.status === 204) return clearMemberData().then(function () { return leaveFor("/app/login/?deleted=1"); });
        if (!window.AlumniApp.freshLogin(deleteForm.querySelector("[data-status]"), result)) showStatus(deleteForm, result.data.detail, true);
        return undefined;
      });
    });
    // Signed out only when the server says so: offline it showed the login screen while the
    // session went on (the next visit was signed in again).
    var logoutStatus = document.getElementById("logout-status");
    onPress(document.getElementById("logout-button"), function () {
      return api("DELETE", "/auth/session").then(function (result) {
        if (result.status >= 200 && result.status < 300) {
          return clearMemberData().then(function () { return leaveFor("/app/login/"); });
        }
        say(logoutStatus, result.data.detail || "ログアウトできませんでした。もう一度お試しください。", true);
        return undefined;
      });
    });
  }

  function setupExport() {
    sessionOrOffline(document.getElementById("export-error")).then(function (state) {
      if (!state) return;
      if (!state.signed_in) { document.getElementById("signed-out").hidden = false; return; }
      api("GET", "/me/export/readable").then(function (result) {
        if (window.AlumniApp.freshLogin(document.getElementById("export-error"), result)) return;
        if (result.status !== 200) {
          var error = document.getElementById("export-error");
          error.textContent = result.data.detail || "読み込めませんでした。";
          error.hidden = false;
          return;
        }
        document.getElementById("export-generated").textContent = result.data.generated_at;
        window.AlumniApp.dataSections(document.getElementById("export-sections"), result.data.sections);
        document.getElementById("export").hidden = false;
      });
    });
    document.getElementById("print-button").addEventListener("click", function () { window.print(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var screen = document.querySelector("[data-account-screen]");
    if (!screen) return;
    var name = screen.getAttribute("data-account-screen");
    if (name === "invite") setupInvite();
    if (name === "register") setupRegister(document.getElementById("register-form"));
    if (name === "login") setupLogin(document.getElementById("email-form"));
    if (name === "profile") setupProfile(document.getElementById("profile-form"));
    if (name === "export") setupExport();
  });
})();
