// The answering screen (/app/survey/?id=N): one question a screen with its progress, the
// conditions applied as the alumnus answers (a hidden question is skipped and not sent), the
// server's field errors at their question, a survey changed meanwhile (409) read again keeping
// the answers whose questions remain, the thank-you text, an earlier response to revise until
// the survey closes. The answers live in this page's memory only, never in browser storage;
// offline, the sending waits and goes once, when the connection is back.
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };

  var CHOICES = { single: true, multiple: true, scale: true };
  var state = {
    id: "",
    survey: null, // GET /surveys/{id}
    byId: {},
    answers: {}, // question id -> option id | [option ids] | text
    consent: {}, // question id -> true (consent to use the answer for information)
    errors: {}, // question id -> [messages], from the server or the required check
    current: "", // the question on screen ("" = the introduction)
    response: null, // the response the server holds
    sending: false,
    waiting: false, // to be sent once the connection is back
  };

  // --- the survey's own text: HR's rich text, only plain elements kept ----------------------

  var KEPT = { P: 1, BR: 1, B: 1, STRONG: 1, EM: 1, I: 1, UL: 1, OL: 1, LI: 1, A: 1, H2: 1, H3: 1, H4: 1 };
  var DROPPED = { SCRIPT: 1, STYLE: 1, TEMPLATE: 1, IFRAME: 1, OBJECT: 1, EMBED: 1, SVG: 1, MATH: 1 };

  function safeHref(href) {
    if (!href) return "";
    if (/^\/(?![\/\\])/.test(href) || /^(https?:|mailto:|tel:)/i.test(href)) return href;
    return "";
  }

  function copyInto(source, target) {
    source.childNodes.forEach(function (node) {
      if (node.nodeType === 3) { target.appendChild(document.createTextNode(node.nodeValue)); return; }
      if (node.nodeType !== 1 || DROPPED[node.tagName]) return;
      if (!KEPT[node.tagName]) { copyInto(node, target); return; }
      var copy = document.createElement(node.tagName.toLowerCase());
      if (node.tagName === "A") {
        var href = safeHref(node.getAttribute("href"));
        if (!href) { copyInto(node, target); return; }
        copy.setAttribute("href", href);
      }
      copyInto(node, copy);
      target.appendChild(copy);
    });
  }

  function showRich(target, html, fallback) {
    target.textContent = "";
    var doc = new DOMParser().parseFromString("<body>" + (html || "") + "</body>", "text/html");
    copyInto(doc.body, target);
    if (!target.textContent.trim() && fallback) target.appendChild(window.AlumniApp.el("p", "", fallback));
  }

  // --- answers and conditions -----------------------------------------------------------

  function hasAnswer(question) {
    var value = state.answers[question.id];
    if (value === undefined || value === null) return false;
    if (Array.isArray(value)) return value.length > 0;
    return String(value).trim() !== "";
  }

  // A question shows when it has no condition, or when the question it depends on shows and
  // was answered with one of the named options.
  function shows(question, depth) {
    var condition = question.condition;
    if (!condition) return true;
    var on = state.byId[condition.question];
    if (!on || depth > 50 || !shows(on, depth + 1)) return false;
    var value = state.answers[on.id];
    var picked = Array.isArray(value) ? value : value ? [value] : [];
    return picked.some(function (option) { return condition.options.indexOf(option) >= 0; });
  }

  function shown() {
    return state.survey.questions.filter(function (question) { return shows(question, 0); });
  }

  // What the API takes: numbers as numbers (full-width digits and separators allowed), dates
  // as typed (the server reads 和暦 too), texts trimmed.
  function wireValue(question) {
    var value = state.answers[question.id];
    if (typeof value !== "string") return value;
    var text = value.normalize("NFKC").trim();
    if (question.type === "number") {
      var plain = text.replace(/[,\s]/g, "");
      return /^-?\d+(\.\d+)?$/.test(plain) ? Number(plain) : text;
    }
    return question.type === "date" ? text : value.trim();
  }

  function payload() {
    var answers = {};
    var consent = [];
    shown().forEach(function (question) {
      if (!hasAnswer(question)) return;
      answers[question.id] = wireValue(question);
      if (question.targeting && state.consent[question.id]) consent.push(question.id);
    });
    return { version: state.survey.version, answers: answers, targeting_consent: consent };
  }

  // The answers (and consents) that still fit a survey: its questions, its options.
  function keepFitting(answers, consent) {
    var kept = {};
    var agreed = {};
    state.survey.questions.forEach(function (question) {
      var value = answers[question.id];
      if (value === undefined || value === null) return;
      var ids = question.options.map(function (option) { return option.id; });
      if (question.type === "multiple") {
        value = (Array.isArray(value) ? value : []).filter(function (id) { return ids.indexOf(id) >= 0; });
        if (!value.length) return;
      } else if (CHOICES[question.type] && ids.indexOf(value) < 0) {
        return;
      } else if (!CHOICES[question.type]) {
        value = String(value);
      }
      kept[question.id] = value;
      if (question.targeting && consent[question.id]) agreed[question.id] = true;
    });
    state.answers = kept;
    state.consent = agreed;
  }

  // --- screens --------------------------------------------------------------------------

  function status(text, kind) {
    var node = $("survey-status");
    node.textContent = text || "";
    node.className = "form-status" + (kind ? " form-status--" + kind : "");
  }

  function show(part) {
    ["survey-intro", "survey-form", "survey-done"].forEach(function (id) { $(id).hidden = id !== part; });
  }

  // A survey's opening or closing moment in Japan time (the time only when it is not midnight).
  function japanDay(iso) {
    var moment = window.AlumniApp.japanTime(iso);
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    var time = moment.hour || moment.minute ? " " + moment.hour + ":" + pad(moment.minute) : "";
    return window.AlumniApp.jaDate(moment.date) + time;
  }

  function period(survey) {
    if (!survey.opens_at && !survey.closes_at) return "";
    return "回答の受付：" + (survey.opens_at ? japanDay(survey.opens_at) : "") + "〜" +
      (survey.closes_at ? japanDay(survey.closes_at) + "まで" : "");
  }

  function showIntro() {
    var survey = state.survey;
    state.current = "";
    $("survey-period").textContent = period(survey);
    $("survey-count").textContent = countText();
    showRich($("survey-intro-text"), survey.intro, "");
    var answered = $("survey-answered");
    answered.hidden = !state.response;
    if (state.response) {
      answered.textContent = "回答済みです（" + japanDay(state.response.updated_at || state.response.submitted_at) + "）。" +
        (survey.is_open ? "受付が終わるまで修正できます。" : "");
    }
    var start = $("survey-start");
    start.hidden = !survey.is_open;
    start.textContent = state.response ? "回答を見直す・修正する" : "回答を始める";
    if (!survey.is_open) {
      var early = survey.opens_at && new Date(survey.opens_at) > new Date();
      status(early ? "まだ回答を受け付けていません。" : "このアンケートの回答受付は終了しました。", "error");
    }
    show("survey-intro");
  }

  function field(tag, className) {
    return window.AlumniApp.el(tag, className);
  }

  function choiceInputs(question, box) {
    var list = field("div", "survey-choices");
    var value = state.answers[question.id];
    question.options.forEach(function (option, index) {
      var label = field("label", "survey-choice");
      var input = document.createElement("input");
      input.type = question.type === "multiple" ? "checkbox" : "radio";
      input.name = "answer";
      input.value = option.id;
      input.checked = question.type === "multiple"
        ? Array.isArray(value) && value.indexOf(option.id) >= 0
        : value === option.id;
      label.appendChild(input);
      if (question.type === "scale") {
        label.appendChild(window.AlumniApp.el("span", "survey-scale-point", String(index + 1)));
        label.appendChild(document.createTextNode(" ")); // read as 「5 重視する」
      }
      label.appendChild(window.AlumniApp.el("span", "survey-choice-label", option.label));
      list.appendChild(label);
    });
    box.appendChild(list);
  }

  function textInput(question, box, labelledBy) {
    var input = document.createElement(question.type === "long_text" ? "textarea" : "input");
    input.id = "survey-answer";
    input.className = "survey-input";
    if (question.type !== "long_text") {
      input.type = "text";
      input.autocomplete = "off";
    } else {
      input.rows = 6;
    }
    if (question.type === "number") input.inputMode = "decimal";
    if (question.required) input.setAttribute("aria-required", "true");
    input.setAttribute("aria-describedby", labelledBy);
    input.value = hasAnswer(question) ? String(state.answers[question.id]) : "";
    box.appendChild(input);
  }

  var HINTS = {
    number: "数字で入力してください。",
    date: "例：2026-04-01、令和8年4月1日、R8.4.1",
    multiple: "あてはまるものをすべて選んでください。",
  };

  // 「3 / 8」 and the bar count the questions every person is asked: a question that shows only
  // for some answers is a 追加の質問 at the place of the question before it, so the total a
  // person was told never moves (it went 12 -> 13 as an answer brought a question in, and back).
  function asked(question) { return !question.condition; }

  function questionCount() {
    return Math.max(1, state.survey.questions.filter(asked).length);
  }

  function progress(question) {
    var total = questionCount();
    var upTo = state.survey.questions.slice(0, state.survey.questions.indexOf(question) + 1);
    var position = Math.max(1, upTo.filter(asked).length);
    var extra = !asked(question);
    $("survey-progress-text").textContent = position + " / " + total + (extra ? "（追加の質問）" : "");
    var bar = $("survey-progress");
    bar.setAttribute("aria-valuemax", String(total));
    bar.setAttribute("aria-valuenow", String(position));
    bar.setAttribute("aria-valuetext", total + "問中 " + position + "問目" + (extra ? "の追加の質問" : ""));
    $("survey-progress-fill").style.width = Math.round((position / total) * 100) + "%";
  }

  // 「質問は全8問です。」 before starting, and that some answers bring an added question.
  function countText() {
    var extras = state.survey.questions.length - state.survey.questions.filter(asked).length;
    return "質問は全" + questionCount() + "問です。" + (extras ? "答えによっては、追加の質問があります。" : "");
  }

  function renderQuestion(question) {
    var box = $("survey-question");
    box.textContent = "";
    progress(question);

    var choice = Boolean(CHOICES[question.type]);
    var group = field(choice ? "fieldset" : "div", "survey-fieldset");
    var title = field(choice ? "legend" : "label", "survey-label");
    title.id = "survey-question-label";
    if (!choice) title.htmlFor = "survey-answer";
    title.appendChild(document.createTextNode(question.label));
    if (question.required) title.appendChild(window.AlumniApp.el("span", "required", "（必須）"));
    group.appendChild(title);
    var described = [];
    [["survey-help", question.help_text], ["survey-hint", HINTS[question.type] || ""]].forEach(function (pair) {
      if (!pair[1]) return;
      var help = window.AlumniApp.el("p", "help", pair[1]);
      help.id = pair[0];
      group.appendChild(help);
      described.push(pair[0]);
    });
    var error = field("p", "field-error");
    error.id = "survey-error";
    var messages = state.errors[question.id] || [];
    error.textContent = messages.join(" ");
    error.hidden = !messages.length;
    described.push("survey-error");
    // Above the choices, under the question: below them, with text at 200 %, it was out of
    // sight when the question was shown again to be answered.
    group.appendChild(error);
    if (choice) {
      group.setAttribute("aria-describedby", described.join(" "));
      choiceInputs(question, group);
      if (messages.length) group.querySelectorAll("input").forEach(function (input) { input.setAttribute("aria-invalid", "true"); });
    } else {
      textInput(question, group, described.join(" "));
    }
    box.appendChild(group);
    if (!choice && messages.length) group.querySelector(".survey-input").setAttribute("aria-invalid", "true");
    if (question.targeting) {
      var consent = field("label", "survey-consent");
      var tick = document.createElement("input");
      tick.type = "checkbox";
      tick.id = "survey-consent";
      tick.checked = Boolean(state.consent[question.id]);
      consent.appendChild(tick);
      consent.appendChild(window.AlumniApp.el("span", "", "この回答を、あなたに合ったお知らせを届けるために使うことに同意します（任意）"));
      box.appendChild(consent);
    }
    nextLabel();
  }

  function nextLabel() {
    var list = shown();
    var last = list.length && list[list.length - 1].id === state.current;
    $("survey-next").textContent = last ? "回答を送信する" : "次へ";
  }

  // Shows `question`; focus goes to it (a screen reader reads the question), or to its first
  // control when it carries an error. The screen starts at the message above the question
  // when there is one, else at the progress (「2 / 6」): at the top of the page, with text at
  // 200 %, the header and the survey's title filled the screen down to the question's first
  // line, and a field with its error was scrolled out of sight.
  function go(question) {
    state.current = question.id;
    show("survey-form");
    renderQuestion(question);
    var invalid = document.querySelector('#survey-question [aria-invalid="true"]');
    var said = $("survey-status").textContent ? $("survey-status") : document.querySelector(".survey-progress");
    said.scrollIntoView({ block: "start" });
    if (invalid) invalid.focus();
    else $("survey-question").focus({ preventScroll: true });
  }

  // Reads what is on screen into the answers (kept in memory only).
  function readCurrent() {
    var question = state.byId[state.current];
    if (!question) return;
    var box = $("survey-question");
    if (question.type === "multiple") {
      state.answers[question.id] = Array.from(box.querySelectorAll('input[name="answer"]:checked')).map(function (input) { return input.value; });
    } else if (CHOICES[question.type]) {
      var picked = box.querySelector('input[name="answer"]:checked');
      if (picked) state.answers[question.id] = picked.value;
    } else {
      state.answers[question.id] = $("survey-answer").value;
    }
    var consent = $("survey-consent");
    if (consent) state.consent[question.id] = consent.checked;
  }

  function clearError() {
    var question = state.byId[state.current];
    if (!question || !state.errors[question.id]) return;
    delete state.errors[question.id];
    var error = $("survey-error");
    if (error) { error.textContent = ""; error.hidden = true; }
    document.querySelectorAll('#survey-question [aria-invalid]').forEach(function (node) { node.removeAttribute("aria-invalid"); });
  }

  function forward() {
    readCurrent();
    var question = state.byId[state.current];
    if (question.required && !hasAnswer(question)) {
      state.errors[question.id] = ["この質問には回答が必要です。"];
      go(question);
      return;
    }
    var list = shown();
    var index = list.indexOf(question);
    if (index < list.length - 1) { status(""); go(list[index + 1]); } else send();
  }

  function backward() {
    readCurrent();
    var list = shown();
    var index = list.indexOf(state.byId[state.current]);
    if (index > 0) go(list[index - 1]);
    else { showIntro(); $("survey-title").focus(); }
  }

  // --- sending --------------------------------------------------------------------------

  function waitForConnection() {
    state.waiting = true;
    status("");
    $("survey-offline").hidden = false;
  }

  function showErrors(data) {
    state.errors = data.errors || {};
    var first = shown().filter(function (question) { return state.errors[question.id]; })[0];
    var count = Object.keys(state.errors).length;
    var other = Object.keys(state.errors).filter(function (key) { return !state.byId[key]; })
      .map(function (key) { return [].concat(state.errors[key]).join(" "); }).join(" ");
    status((data.detail || "回答に誤りがあります。") + (count ? "（" + count + " 件）" : "") + (other ? " " + other : ""), "error");
    if (first) go(first);
  }

  // The survey changed while the alumnus answered: read it again, keep what still fits.
  function reload(detail) {
    window.AlumniAPI.call("GET", "/surveys/" + state.id).then(function (result) {
      if (result.status !== 200) { status(result.data.detail || "読み込めませんでした。", "error"); return; }
      useSurvey(result.data);
      keepFitting(state.answers, state.consent);
      state.errors = {};
      var list = shown();
      status(detail || "アンケートの内容が更新されました。確認してもう一度送信してください。", "error");
      if (list.length) go(list[0]); else showIntro();
    });
  }

  function thanks() {
    state.errors = {};
    state.current = "";
    status("");
    showRich($("survey-thanks"), state.survey.thank_you_text, "ご回答ありがとうございました。");
    $("survey-edit").hidden = !state.survey.is_open;
    if (window.AlumniApp.refreshBadges) window.AlumniApp.refreshBadges(); // no longer waiting
    show("survey-done");
    window.scrollTo(0, 0);
    $("survey-done-heading").focus();
  }

  // Once at a time, from 回答を送信する (the PWA's one way: busy until the answer comes), whether
  // the person tapped it or the connection came back.
  function send() {
    if (state.sending) return;
    if (!navigator.onLine) { waitForConnection(); return; }
    window.AlumniAPI.sendOnce($("survey-next"), function () {
      state.sending = true;
      state.waiting = false;
      $("survey-offline").hidden = true;
      status("送信しています…");
      return window.AlumniAPI.call("PUT", "/surveys/" + state.id + "/response", payload()).then(function (result) {
        state.sending = false;
        if (result.status === 0) { waitForConnection(); return; } // sent again once back online
        if (result.status === 200 || result.status === 201) { state.response = result.data; thanks(); return; }
        if (result.status === 400) { showErrors(result.data); return; }
        if (result.status === 409) { reload(result.data.detail); return; }
        status(result.data.detail || "送信できませんでした。", "error");
      });
    });
  }

  window.addEventListener("online", function () {
    if (state.waiting) send();
  });
  // Leaving while the answers wait for the connection would lose them (they are nowhere else).
  window.addEventListener("beforeunload", function (event) {
    if (state.waiting) event.preventDefault();
  });
  window.addEventListener("offline", function () {
    if (state.sending) $("survey-offline").hidden = false;
  });

  // --- loading --------------------------------------------------------------------------

  function useSurvey(survey) {
    state.survey = survey;
    state.byId = {};
    survey.questions.forEach(function (question) { state.byId[question.id] = question; });
    $("survey-title").textContent = survey.title;
    document.title = survey.title + " | " + document.title.split(" | ").slice(-1)[0];
  }

  function load() {
    status("読み込んでいます…");
    window.AlumniAPI.session().then(function (session) {
      if (session.status === 0) { status(session.data.detail, "error"); return; }
      if (!session.data.signed_in) return; // the shell leads to the login and back here
      var base = "/surveys/" + state.id;
      Promise.all([window.AlumniAPI.call("GET", base), window.AlumniAPI.call("GET", base + "/response")]).then(function (results) {
        var survey = results[0];
        var response = results[1];
        if (survey.status !== 200) { status(survey.data.detail || "アンケートを読み込めませんでした。", "error"); return; }
        status("");
        useSurvey(survey.data);
        if (response.status === 200) {
          state.response = response.data;
          var agreed = {};
          (response.data.targeting_consent || []).forEach(function (id) { agreed[id] = true; });
          keepFitting(response.data.answers || {}, agreed);
        }
        showIntro();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!document.querySelector("[data-survey-screen]")) return;
    var id = new URLSearchParams(window.location.search).get("id") || "";
    if (!/^\d+$/.test(id)) {
      status("アンケートが見つかりません。一覧から選んでください。", "error");
      return;
    }
    state.id = id;
    $("survey-start").addEventListener("click", function () {
      status("");
      var list = shown();
      if (list.length) go(list[0]); else send();
    });
    $("survey-edit").addEventListener("click", function () {
      var list = shown();
      if (list.length) go(list[0]);
    });
    $("survey-back").addEventListener("click", backward);
    $("survey-form").addEventListener("submit", function (event) {
      event.preventDefault();
      forward();
    });
    // Every change is kept at once (in memory), so a condition and the button follow it.
    // The error goes as soon as the answer changes (on input: a text field's change comes only
    // when it loses focus, and the layout must not shift under the finger going to 次へ).
    $("survey-question").addEventListener("input", function () { readCurrent(); clearError(); });
    $("survey-question").addEventListener("change", function () {
      readCurrent();
      progress(state.byId[state.current]);
      nextLabel();
    });
    load();
  });
})();
