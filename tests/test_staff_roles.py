"""HR's roles in the admin exist on every installation, made by `migrate` (cms/staff_roles.py)."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from cms.staff_roles import ROLES

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
    added = Group.objects.get(name="Editors").permissions.first()
    assert added is not None
    group.permissions.add(added)

    call_command("migrate", verbosity=0)

    assert _granted(name) == {*permissions, (added.content_type.app_label, added.codename)}
