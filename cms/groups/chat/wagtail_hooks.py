"""Community chat in the Wagtail admin: groups (snippets), the reports queue, members, log."""

from typing import Any

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.admin.ui.tables import TitleColumn
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from cms import converters  # noqa: F401  (registers <id:…>)
from cms.admin_menu import ShownMenuItem

from . import admin_views, selectors
from .models import CommunityGroup


class CommunityGroupViewSet(SnippetViewSet):
    model = CommunityGroup
    icon = "group"
    menu_label = "交流グループ"
    add_to_admin_menu = False
    list_display = [
        "name",
        "join_policy",
        "is_active",
        "created_at",
        # A link from each group to its members (approve, appoint, suspend).
        TitleColumn(
            "members", label="メンバー", url_name="chat_members", accessor=lambda _: "メンバー"
        ),
    ]
    search_fields = ["name", "description"]


register_snippet(CommunityGroupViewSet)


# The chat's admin pages: label, URL name, icon, and who sees them in the menu.
MENU = [
    (
        "交流グループ",
        "wagtailsnippets_chat_communitygroup:list",
        "group",
        lambda user: user.has_perm("chat.view_communitygroup"),
    ),
    ("通報", "chat_reports", "warning", selectors.staff_may_moderate),
    ("モデレーションの記録", "chat_moderation_log", "list-ul", selectors.staff_may_read_log),
]


@hooks.register("register_admin_menu_item")
def menu_community() -> MenuItem:
    items = [
        ShownMenuItem(label, reverse(name), icon_name=icon, order=order, shown=shown)
        for order, (label, name, icon, shown) in enumerate(MENU, start=1)
    ]
    return SubmenuMenuItem("グループでの交流", Menu(items=items), icon_name="group", order=260)


@hooks.register("register_admin_urls")
def register_urls() -> list[Any]:
    return [
        path("chat/reports/", admin_views.reports_view, name="chat_reports"),
        path("chat/groups/<id:group_id>/members/", admin_views.members_view, name="chat_members"),
        path(
            "chat/messages/<id:message_id>/unhide/",
            admin_views.message_unhide_view,
            name="chat_message_unhide",
        ),
        path("chat/log/", admin_views.moderation_log_view, name="chat_moderation_log"),
        path(
            "chat/log/results/",
            admin_views.moderation_log_results_view,
            name="chat_moderation_log_results",
        ),
    ]
