"""Factories of alumni and audience groups for the push, groups and feed tests."""

import datetime as dt
from typing import Any

import factory
from django.contrib.auth import get_user_model

from cms.alumni.models import Alumnus
from cms.groups.models import AudienceGroup


class UserFactory(factory.django.DjangoModelFactory):
    username = factory.Sequence(lambda n: f"alumnus-{n}")

    class Meta:
        model = get_user_model()


class AlumnusFactory(factory.django.DjangoModelFactory):
    user = factory.SubFactory(UserFactory)
    family_name = "宮城"
    given_name = factory.Sequence(lambda n: f"太郎{n}")
    family_name_kana = "みやぎ"
    given_name_kana = factory.Sequence(lambda n: f"たろう{n}")
    email = factory.Sequence(lambda n: f"alumnus{n}@example.jp")
    birth_date = dt.date(1980, 4, 1)
    former_department = "総務部 人事課"
    retired_on = dt.date(2022, 3, 31)
    current_region = "仙台市"
    interests: Any = factory.LazyFunction(list)
    channel = "email"
    consent_email = True
    consent_push = True
    consent_analytics = True
    privacy_notice_version = "2026-04"

    class Meta:
        model = Alumnus


class AudienceGroupFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"グループ {n}")

    class Meta:
        model = AudienceGroup
