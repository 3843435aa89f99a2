"""Editor panels of the content domain: the notice's reach, shown before it is published."""

from typing import Any

from django.urls import reverse
from wagtail.admin.panels import Panel


class NoticeReachPanel(Panel):
    """How many alumni the notice will reach and by which channel; the script
    content/js/notice-reach.js asks again whenever 公開範囲, a group or 通知 changes."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "content/panels/notice_reach.html"

        class Media:
            js = ["content/js/notice-reach.js"]

        def get_context_data(self, parent_context: dict[str, Any] | None = None) -> dict[str, Any]:
            from .reach import notice_reach_text

            context = super().get_context_data(parent_context)
            notice = self.instance
            groups = notice.audience_groups.all() if notice.pk else []
            context["reach_url"] = reverse("content_notice_reach")
            context["reach_text"] = notice_reach_text(
                visibility=notice.visibility,
                audience_groups=groups,
                notify_alumni=notice.notify_alumni,
            )
            return context
