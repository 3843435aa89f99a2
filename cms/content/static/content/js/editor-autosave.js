/* Wagtail's editors: once the form is submitted (公開, 下書きを保存), an autosave still waiting
   for its timer is called off and no new one starts; the submitted form carries the edits.
   Without this the autosave went out a moment after 公開 and reached the server during the
   publish. Only Wagtail's own client API: its cancelable w-autosave:save event and the
   controller's active value. (The server refuses such an autosave anyway: cms.content.forms.) */
(function () {
  "use strict";

  var waiting = null;

  document.addEventListener("w-autosave:save", function (event) {
    waiting = event;
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !(form instanceof HTMLFormElement)) return;
    if (!form.hasAttribute("data-edit-form")) return;
    form.setAttribute("data-w-autosave-active-value", "false");
    if (waiting) {
      waiting.preventDefault();
      waiting = null;
    }
  });
})();
