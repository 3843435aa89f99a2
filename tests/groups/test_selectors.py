"""Who is in an audience group: rules over alumni attributes and hand-picked members."""

import datetime as dt

import pytest
from django.utils import timezone

from cms.groups.selectors import alumnus_group_ids, audience_group_member_ids
from tests.groups.factories import AlumnusFactory, AudienceGroupFactory

pytestmark = pytest.mark.django_db


def _years_ago(years: int, days: int = 0) -> dt.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) - dt.timedelta(days=days)


def test_rules_combine_with_and() -> None:
    match = AlumnusFactory(former_department="保健福祉部 医療政策課", current_region="仙台市")
    AlumnusFactory(former_department="保健福祉部", current_region="東京都")
    AlumnusFactory(former_department="土木部", current_region="仙台市")
    group = AudienceGroupFactory(former_departments="保健福祉部", regions="仙台市, 石巻市")
    assert audience_group_member_ids(group=group) == {match.pk}


def test_retirement_year_range_is_inclusive() -> None:
    early = AlumnusFactory(retired_on=dt.date(2019, 3, 31))
    inside = AlumnusFactory(retired_on=dt.date(2020, 3, 31))
    late = AlumnusFactory(retired_on=dt.date(2023, 3, 31))
    AlumnusFactory(retired_on=None)
    group = AudienceGroupFactory(retired_from_year=2020, retired_to_year=2022)
    assert audience_group_member_ids(group=group) == {inside.pk}
    assert early.pk not in audience_group_member_ids(group=group)
    assert late.pk not in audience_group_member_ids(group=group)


def test_age_range_by_birthday() -> None:
    just_30 = AlumnusFactory(birth_date=_years_ago(30))
    almost_30 = AlumnusFactory(birth_date=_years_ago(30, days=-1))
    just_40 = AlumnusFactory(birth_date=_years_ago(41, days=-1))
    just_41 = AlumnusFactory(birth_date=_years_ago(41))
    group = AudienceGroupFactory(age_min=30, age_max=40)
    members = audience_group_member_ids(group=group)
    assert just_30.pk in members and just_40.pk in members
    assert almost_30.pk not in members and just_41.pk not in members


def test_interests_match_any() -> None:
    a = AlumnusFactory(interests=["子育て支援", "DX"])
    AlumnusFactory(interests=["観光"])
    group = AudienceGroupFactory(interests="DX、防災")
    assert audience_group_member_ids(group=group) == {a.pk}


def test_hand_picked_members_join_rule_matches_and_inactive_are_left_out() -> None:
    rule = AlumnusFactory(current_region="石巻市")
    picked = AlumnusFactory(current_region="東京都")
    suspended = AlumnusFactory(current_region="石巻市", status="suspended")
    group = AudienceGroupFactory(regions="石巻市")
    group.members.set([picked])
    group.save()
    assert audience_group_member_ids(group=group) == {rule.pk, picked.pk}
    assert suspended.pk not in audience_group_member_ids(group=group)


def test_group_without_rules_is_only_its_hand_picked_members() -> None:
    AlumnusFactory()
    group = AudienceGroupFactory()
    assert audience_group_member_ids(group=group) == set()


def test_membership_follows_profile_changes() -> None:
    alumnus = AlumnusFactory(current_region="仙台市")
    group = AudienceGroupFactory(regions="東京都")
    assert alumnus_group_ids(alumnus=alumnus) == []
    alumnus.current_region = "東京都"
    alumnus.save()
    assert alumnus_group_ids(alumnus=alumnus) == [group.pk]
