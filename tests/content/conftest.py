"""Shared setup of the notice editor tests: HR as the demo's hr-editor, a site, a group."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from cms.content.models import NoticeIndexPage
from cms.groups.models import AudienceGroup
from cms.staff_roles import DELIVERY_HR, PAGE_EDITORS, PAGE_PUBLISHERS, role_grant
from tests.content.factories import NoticeIndexPageFactory, make_site
from tests.groups.factories import AlumnusFactory, AudienceGroupFactory


@pytest.fixture
def hr(db: None) -> Any:
    """A member of HR as the demo's hr-editor: Wagtail's 編集者 and 公開担当者, HR's roles."""
    user = get_user_model().objects.create_user("hr-editor", password="pw")
    user.groups.add(*Group.objects.filter(name__in=[PAGE_EDITORS, PAGE_PUBLISHERS]))
    role_grant(user, DELIVERY_HR)
    return user


@pytest.fixture
def editor(hr: Any) -> Client:
    client = Client()
    client.force_login(hr)
    return client


@pytest.fixture
def notices(db: None) -> NoticeIndexPage:
    index: NoticeIndexPage = NoticeIndexPageFactory(parent=make_site())
    return index


@pytest.fixture
def group(db: None) -> AudienceGroup:
    group: AudienceGroup = AudienceGroupFactory(name="土木職OB")
    group.members.set([AlumnusFactory(), AlumnusFactory()])
    group.save()  # a ParentalManyToManyField is stored with its group
    return group
