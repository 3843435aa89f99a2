"""Admin of audience groups: a snippet with a live preview of who exactly is in the group."""

from wagtail import hooks
from wagtail.admin.panels import ObjectList
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from cms.alumni.admin_views import AuditTarget
from cms.alumni.models import Alumnus

from .choosers import AlumnusChooserViewSet, alumnus_chooser_viewset
from .forms import AudienceGroupForm
from .models import AudienceGroup


class AudienceGroupViewSet(SnippetViewSet):
    model = AudienceGroup
    icon = "group"
    menu_label = "配信グループ"
    menu_order = 250
    add_to_admin_menu = True
    list_display = ["name", "updated_at"]
    search_fields = ["name", "description"]
    edit_handler = ObjectList(AudienceGroup.panels, base_form_class=AudienceGroupForm)


register_snippet(AudienceGroupViewSet)


@hooks.register("register_audit_targets")
def register_audit_targets() -> dict[str, AuditTarget]:
    return {"audience_group_preview": AuditTarget("配信グループのプレビュー", Alumnus)}


@hooks.register("register_admin_viewset")
def register_alumnus_chooser() -> AlumnusChooserViewSet:
    return alumnus_chooser_viewset
