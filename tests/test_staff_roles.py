"""HR's roles in the admin exist on every installation, made by `migrate` (cms/staff_roles.py)."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from wagtail.models import GroupApprovalTask, GroupPagePermission

from cms.staff_roles import PAGE_EDITORS, PAGE_PUBLISHERS, ROLES, WAGTAIL_PAGE_GROUPS

pytestmark = pytest.mark.django_db


def _granted(name: str) -> set[tuple[str, str]]:
    group = Group.objects.get(name=name)
    return set(group.permissions.values_list("content_type__app_label", "codename"))


def test_migrate_made_every_role_with_every_permission_it_names() -> None:
    # The test database was made by `migrate`: no loader has run.
    for name, permissions in ROLES.items():
        assert _granted(name) == set(permissions), name  # a misspelt codename would be missing


def test_migrate_again_restores_a_permission_taken_away_and_keeps_one_added() -> None:
    name, permissions = next(iter(ROLES.items()))
    group = Group.objects.get(name=name)
    _app_label, codename = permissions[0]
    group.permissions.remove(group.permissions.get(codename=codename))
    added = Group.objects.get(name=PAGE_EDITORS).permissions.first()
    assert added is not None
    group.permissions.add(added)

    call_command("migrate", verbosity=0)

    assert _granted(name) == {*permissions, (added.content_type.app_label, added.codename)}


def test_wagtails_page_groups_are_named_in_japanese_and_keep_their_rights() -> None:
    names = set(Group.objects.values_list("name", flat=True))
    assert {PAGE_EDITORS, PAGE_PUBLISHERS} <= names
    assert not names & set(WAGTAIL_PAGE_GROUPS)  # no "Editors" or "Moderators" left
    publishers = GroupPagePermission.objects.filter(group__name=PAGE_PUBLISHERS)
    codenames = set(publishers.values_list("permission__codename", flat=True))
    assert {"add_page", "change_page", "publish_page"} <= codenames
    assert GroupApprovalTask.objects.filter(groups__name=PAGE_PUBLISHERS).exists()
    editors = Group.objects.get(name=PAGE_EDITORS)
    assert editors.permissions.filter(codename="access_admin").exists()
