"""`manage.py load_demo_chat`: two demo alumni in one community group, idempotent."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from cms.alumni.models import Alumnus
from cms.groups.chat.models import CommunityGroup, Membership, Message

pytestmark = pytest.mark.django_db


def test_demo_chat_makes_two_members_of_one_group_and_runs_again_unchanged() -> None:
    hr = get_user_model().objects.create_user(username="hr-editor", is_staff=True)
    for _ in range(2):
        call_command("load_demo_chat", stdout=io.StringIO())
    group = CommunityGroup.objects.get()
    assert Membership.objects.filter(group=group, status="active").count() == 2
    assert Alumnus.objects.count() == 2
    assert Message.objects.count() == 1
    assert hr.has_perm("chat.change_message") and hr.has_perm("chat.add_communitygroup")
