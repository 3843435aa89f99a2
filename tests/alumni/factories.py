"""Factories of roster entries, alumni and invitations for the tests."""

import datetime as dt
from typing import Any

import factory
from django.contrib.auth import get_user_model

from cms.alumni import services
from cms.alumni.models import Alumnus, RosterEntry


class RosterEntryFactory(factory.django.DjangoModelFactory):
    staff_number = factory.Sequence(lambda n: f"S{n:05d}")
    family_name = "宮城"
    given_name = factory.Sequence(lambda n: f"花子{n}")
    family_name_kana = "みやぎ"
    given_name_kana = "はなこ"
    birth_date = dt.date(1985, 4, 1)
    former_department = "総務部"
    hired_on = dt.date(2008, 4, 1)
    retired_on = dt.date(2022, 3, 31)
    email = factory.Sequence(lambda n: f"hanako{n}@example.jp")
    postal_code = "980-8570"
    address = "宮城県仙台市青葉区本町三丁目8番1号"

    class Meta:
        model = RosterEntry


class AlumnusFactory(factory.django.DjangoModelFactory):
    user = factory.Sequence(
        lambda n: get_user_model().objects.create_user(username=f"alumnus-test-{n}")
    )
    family_name = "宮城"
    given_name = "太郎"
    family_name_kana = "みやぎ"
    given_name_kana = "たろう"
    email = factory.Sequence(lambda n: f"taro{n}@example.jp")
    birth_date = dt.date(1980, 1, 1)
    channel = "email"
    privacy_notice_version = "2026-04"

    class Meta:
        model = Alumnus


def letter_code_for(entry: RosterEntry, **kwargs: Any) -> str:
    """Issue a letter invitation for `entry` and return its code (as the PDF would print it)."""
    [(_, code)] = services.invitation_issue_letters(entries=[entry], actor=None)
    return code
