"""Eligibility from HR-held facts, with each season's rules, the reason and the closing date."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from cms.comeback.selectors import current_season, eligibility_of
from tests.alumni.factories import AlumnusFactory
from tests.comeback.factories import SeasonFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 1)


def _person(**facts: object) -> object:
    defaults = {
        "hired_on": dt.date(2010, 4, 1),
        "retired_on": dt.date(2020, 3, 31),
        "birth_date": dt.date(1985, 5, 10),
    }
    return AlumnusFactory(**(defaults | facts))


def test_eligible_person_gets_the_day_ten_years_after_leaving_as_window_close() -> None:
    SeasonFactory()
    verdict = eligibility_of(alumnus=_person(), today=TODAY)
    assert verdict.eligible and verdict.reason == ""
    assert verdict.window_closes_on == dt.date(2030, 3, 31)


def test_the_age_limit_closes_the_window_first_when_it_comes_earlier() -> None:
    SeasonFactory(max_age=45)
    verdict = eligibility_of(alumnus=_person(birth_date=dt.date(1983, 5, 10)), today=TODAY)
    assert verdict.eligible
    assert verdict.window_closes_on == dt.date(2029, 5, 9)  # the day before turning 46


@pytest.mark.parametrize(
    ("facts", "words"),
    [
        ({"hired_on": dt.date(2019, 4, 1)}, "在職期間が2年未満"),
        ({"retired_on": dt.date(2016, 3, 31), "hired_on": dt.date(2006, 4, 1)}, "10年を超えている"),
        ({"birth_date": dt.date(1960, 1, 1)}, "59歳を超える"),
        ({"hired_on": None}, "判定できません"),
    ],
)
def test_ineligible_people_get_the_reason_in_japanese(facts: dict, words: str) -> None:
    SeasonFactory()
    verdict = eligibility_of(alumnus=_person(**facts), today=TODAY)
    assert not verdict.eligible
    assert words in verdict.reason
    assert verdict.window_closes_on is None


def test_rules_are_the_seasons_own() -> None:
    """The same person is out with 5 years of service required, in with the default 2."""
    person = _person(hired_on=dt.date(2017, 4, 1))
    SeasonFactory(min_service_years=5)
    assert not eligibility_of(alumnus=person, today=TODAY).eligible
    assert eligibility_of(
        alumnus=person,
        season=SeasonFactory(year=2028, appointment_on=dt.date(2028, 4, 1)),
        today=TODAY,
    ).eligible


def test_the_coming_season_is_the_next_one_still_taking_applications() -> None:
    SeasonFactory(
        year=2026,
        applications_open=dt.date(2025, 10, 20),
        applications_close=dt.date(2025, 10, 31),
        selection_on=dt.date(2025, 12, 14),
        appointment_on=dt.date(2026, 4, 1),
    )
    coming = SeasonFactory(year=2027)
    assert current_season(today=dt.date(2026, 1, 10)) == coming  # 2026's applications closed
    assert current_season(today=dt.date(2026, 11, 1)) is None


def test_season_dates_out_of_order_are_refused_in_japanese() -> None:
    season = SeasonFactory.build(selection_on=dt.date(2026, 10, 1))
    with pytest.raises(ValidationError) as refused:
        season.clean()
    assert "選考日" in str(refused.value)
