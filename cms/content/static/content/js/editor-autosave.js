/* Wagtail's editors: once the form is submitted (公開, 下書きを保存), an autosave still waiting
   for its timer is called off and no new one starts; the submitted form carries the edits.
   Without this the autosave went out a moment after 公開 and reached the server during the
   publish. Only Wagtail's own client API: its cancelable w-autosave:save event, the
   controller's active value, and its submitPromise (the save under way, through the Stimulus
   application Wagtail exposes as window.wagtail.app). (On an existing page the server refuses
   an autosave overtaken by a publish anyway: cms.content.forms.)

   A new page's first autosave creates the page and turns the form into that page's editor (its
   action becomes the edit view). A submit while that autosave is on its way would create the
   page a second time (a slug clash: a 400, or a 500 when both ran at once on PostgreSQL). So
   on a form that has no page yet, the submit waits for the autosave under way and then goes,
   with the button pressed, to where the form now points. */
(function () {
  "use strict";

  var waiting = null;

  document.addEventListener("w-autosave:save", function (event) {
    waiting = event;
  });

  function saveUnderWay(form) {
    var app = window.wagtail && window.wagtail.app;
    var autosave = app && app.getControllerForElementAndIdentifier(form, "w-autosave");
    return autosave ? autosave.submitPromise : null;
  }

  function submitOnceSaved(form, underWay, submitter) {
    underWay.finally(function () {
      if (submitter && submitter.name) {
        var pressed = document.createElement("input");
        pressed.type = "hidden";
        pressed.name = submitter.name;
        pressed.value = submitter.value;
        form.appendChild(pressed);
      }
      form.submit();
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !(form instanceof HTMLFormElement)) return;
    if (!form.hasAttribute("data-edit-form")) return;
    form.setAttribute("data-w-autosave-active-value", "false");
    if (waiting) {
      waiting.preventDefault();
      waiting = null;
    }
    var isNewPage = !form.querySelector("input[name='loaded_revision_id']");
    var underWay = isNewPage ? saveUnderWay(form) : null;
    if (underWay) {
      event.preventDefault();
      submitOnceSaved(form, underWay, event.submitter);
    }
  });
})();
