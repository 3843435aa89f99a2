"""HR's roles in the admin: Django groups that every installation has.

They are made, and their permissions brought up to date, after each `migrate` (post_migrate,
connected in cms.alumni's app config), so a new prefecture's site needs no hand-built groups: an
administrator puts each member of staff in the roles they need (管理画面 → 設定 → ユーザー), on
top of Wagtail's own page groups, 「編集者」 (write pages) or 「公開担当者」 (also publish). The
demo puts its accounts in them the same way (`role_grant`).
"""

from typing import Any

from django.apps import AppConfig, apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import AbstractUser, Group, Permission
from django.db.models import Q
from django.utils import translation

# Wagtail's own groups, which its migrations make as "Editors" and "Moderators" (and find by those
# names); cms/content/migrations/0009_japanese_page_group_names gives them these names. Not
# 「モデレーター」: in this admin that word is the moderator of a chat group.
PAGE_EDITORS = "編集者"
PAGE_PUBLISHERS = "公開担当者"
WAGTAIL_PAGE_GROUPS = {"Editors": PAGE_EDITORS, "Moderators": PAGE_PUBLISHERS}

ALUMNI_HR = "人事課（アルムナイ）"
DELIVERY_HR = "人事課（配信）"
CHAT_HR = "人事課（交流グループ）"

ROLES: dict[str, tuple[tuple[str, str], ...]] = {
    # Former staff: roster, invitations, approvals, eligibility and the audit log.
    ALUMNI_HR: (
        ("alumni", "view_rosterentry"),
        ("alumni", "add_rosterentry"),
        ("alumni", "change_rosterentry"),
        ("alumni", "view_alumnus"),
        ("alumni", "change_alumnus"),
        ("alumni", "view_invitation"),
        ("alumni", "add_invitation"),
        ("alumni", "view_auditlogentry"),
        ("alumni", "change_eligibilitysettings"),
        # The comeback estimate: the list and panel, seasons, outcomes, model versions.
        ("comeback", "view_estimate"),
        ("comeback", "view_season"),
        ("comeback", "add_season"),
        ("comeback", "change_season"),
        ("comeback", "view_outcome"),
        ("comeback", "add_outcome"),
        ("comeback", "change_outcome"),
        ("comeback", "view_modelversion"),
        ("comeback", "change_modelversion"),
    ),
    # Who gets what: audience groups and the delivery monitor.
    DELIVERY_HR: (
        ("push", "view_delivery"),
        ("groups", "view_audiencegroup"),
        ("groups", "add_audiencegroup"),
        ("groups", "change_audiencegroup"),
    ),
    # Community groups: making them, the reports queue, hiding messages, the moderation log.
    CHAT_HR: (
        ("chat", "add_communitygroup"),
        ("chat", "change_communitygroup"),
        ("chat", "view_communitygroup"),
        ("chat", "change_message"),
        ("chat", "view_report"),
        ("chat", "view_moderationlogentry"),
    ),
}


def roles_ensure() -> None:
    """Every role exists with at least its permissions (an administrator may add more)."""
    for name, permissions in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = Q()
        for app_label, codename in permissions:
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.add(*Permission.objects.filter(wanted))


# Django names a model's default permissions in English when it makes them ("Can add page");
# Wagtail's group screen shows those names (to screen readers, and as "other permissions").
_DEFAULT_ACTIONS = {"add": "追加", "change": "変更", "delete": "削除", "view": "閲覧"}


def permissions_name_in_japanese() -> None:
    """Every permission named in Japanese: a default one from its model's verbose name, another
    (Wagtail's "Publish any page" …) by the translation of its English name."""
    changed = []
    with translation.override("ja"):
        for permission in Permission.objects.select_related("content_type"):
            model = permission.content_type.model_class()
            action, _, model_name = permission.codename.partition("_")
            if (
                model is not None
                and action in _DEFAULT_ACTIONS
                and model_name == model._meta.model_name
            ):
                name = f"{model._meta.verbose_name}の{_DEFAULT_ACTIONS[action]}"
            else:
                name = translation.gettext(permission.name)
            if name[:255] != permission.name:
                permission.name = name[:255]
                changed.append(permission)
    Permission.objects.bulk_update(changed, ["name"])


def role_grant(user: AbstractUser, role: str) -> None:
    """Put a member of staff in one of the roles."""
    roles_ensure()
    user.groups.add(Group.objects.get(name=role))


def roles_after_migrate(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """post_migrate handler, acting once per migrate (for the last app that has models: only
    those are sent post_migrate). Django's own handler
    (django.contrib.auth's) may not have made every app's permissions yet at that point: they
    are made here first (as auth makes them, only the missing ones), then the roles get theirs
    and every permission its Japanese name."""
    configs = [config for config in apps.get_app_configs() if config.models_module is not None]
    if sender.label != configs[-1].label:
        return
    for config in configs:
        create_permissions(config, verbosity=0, using=using)
    roles_ensure()
    permissions_name_in_japanese()
