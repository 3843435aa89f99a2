"""`manage.py load_demo_push`: keys, groups, demo alumni and the editor's rights, idempotently."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from cms.alumni.models import Alumnus
from cms.groups.models import AudienceGroup
from cms.groups.selectors import audience_group_members
from cms.push.models import VapidKey

pytestmark = pytest.mark.django_db


def test_demo_push_data_is_made_once_and_groups_have_their_members() -> None:
    editor = get_user_model().objects.create(username="hr-editor")
    call_command("load_demo_push", stdout=StringIO())
    key = VapidKey.objects.get()
    out = StringIO()
    call_command("load_demo_push", stdout=out)

    assert VapidKey.objects.get() == key
    assert AudienceGroup.objects.count() == 2 and Alumnus.objects.count() == 4
    assert "新規 0 件" in out.getvalue() and "新規 0 人" in out.getvalue()
    civil = AudienceGroup.objects.get(name="土木部の退職者")
    sendai = AudienceGroup.objects.get(name="仙台市在住")
    assert sorted(a.given_name for a in audience_group_members(group=civil)) == ["一郎", "花子"]
    assert sorted(a.given_name for a in audience_group_members(group=sendai)) == ["一郎", "健"]
    editor = get_user_model().objects.get(pk=editor.pk)
    assert editor.has_perm("push.view_delivery")
    assert editor.has_perm("groups.change_audiencegroup")
