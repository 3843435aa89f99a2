"""Audience rules are evaluated in the database: for every rule kind, the members the database
gives (the whole group, and one person's groups) are exactly the people the rule describes,
and one person's groups cost the same few queries whatever the number of alumni."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cms.alumni.models import Alumnus, AlumnusStatus
from cms.groups.models import AudienceGroup, split_terms
from cms.groups.selectors import INTERESTS_MAX, alumnus_group_ids, audience_group_members
from cms.surveys.models import SurveyPage
from cms.surveys.selectors import survey_current_version
from cms.surveys.services import survey_response_save
from tests.groups.factories import AlumnusFactory, AudienceGroupFactory
from tests.surveys.factories import SurveyPageFactory, make_site, question

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _people() -> list[Alumnus]:
    """People spread over every attribute a rule reads, the edges of each range included."""
    many = [f"分野{n}" for n in range(INTERESTS_MAX - 1)]
    return [
        AlumnusFactory(
            former_department="保健福祉部 子ども家庭課",
            retired_on=dt.date(2019, 3, 31),
            birth_date=dt.date(TODAY.year - 60, 1, 1),
            current_region="仙台市",
            interests=["子育て", "防災"],
        ),
        AlumnusFactory(
            former_department="土木部 道路課",
            retired_on=dt.date(2021, 3, 31),
            birth_date=dt.date(TODAY.year - 45, TODAY.month, 1),
            current_region="東京都",
            interests=[*many, "観光"],  # the last place the profile allows
        ),
        AlumnusFactory(
            former_department="総務部",
            retired_on=None,
            birth_date=dt.date(TODAY.year - 30, 12, 31),
            current_region="",
            interests=[],
        ),
        AlumnusFactory(
            former_department="保健福祉部",
            retired_on=dt.date(2024, 3, 31),
            birth_date=dt.date(TODAY.year - 70, 6, 1),
            current_region="石巻市",
            interests=["観光"],
            status=AlumnusStatus.PENDING,
        ),
    ]


def _age(person: Alumnus) -> int:
    born = person.birth_date
    return TODAY.year - born.year - ((TODAY.month, TODAY.day) < (born.month, born.day))


RULES: dict[str, tuple[dict[str, Any], Callable[[Alumnus], bool]]] = {
    "退職時の所属": (
        {"former_departments": "保健福祉部, 土木部"},
        lambda p: any(t in p.former_department for t in ("保健福祉部", "土木部")),
    ),
    "退職年（から）": (
        {"retired_from_year": 2021},
        lambda p: p.retired_on is not None and p.retired_on.year >= 2021,
    ),
    "退職年（まで）": (
        {"retired_to_year": 2021},
        lambda p: p.retired_on is not None and p.retired_on.year <= 2021,
    ),
    "年齢（下限）": ({"age_min": 45}, lambda p: _age(p) >= 45),
    "年齢（上限）": ({"age_max": 45}, lambda p: _age(p) <= 45),
    "現在の居住地域": (
        {"regions": "仙台市、東京都"},
        lambda p: p.current_region in {"仙台市", "東京都"},
    ),
    "関心分野": (
        {"interests": "観光, 防災"},
        lambda p: bool({"観光", "防災"} & set(p.interests)),
    ),
    "組み合わせ": (
        {"former_departments": "保健福祉部", "interests": "子育て", "retired_to_year": 2020},
        lambda p: (
            "保健福祉部" in p.former_department
            and "子育て" in p.interests
            and p.retired_on is not None
            and p.retired_on.year <= 2020
        ),
    ),
}


@pytest.mark.parametrize("kind", list(RULES))
def test_each_rule_kind_gives_in_the_database_the_people_it_describes(kind: str) -> None:
    people = _people()
    fields, describes = RULES[kind]
    group = AudienceGroupFactory(**fields)

    expected = {p.pk for p in people if p.status == AlumnusStatus.ACTIVE and describes(p)}

    assert expected, "the population has someone the rule describes"
    assert {p.pk for p in audience_group_members(group=group)} == expected
    assert {p.pk for p in people if group.pk in alumnus_group_ids(alumnus=p)} == expected


def test_hand_picked_members_count_in_the_database_too() -> None:
    picked, other, pending = [*_people()[:2], AlumnusFactory(status=AlumnusStatus.PENDING)]
    group = AudienceGroupFactory(interests="存在しない分野")
    group.members.add(picked, pending)
    group.save()

    assert {p.pk for p in audience_group_members(group=group)} == {picked.pk}
    assert group.pk in alumnus_group_ids(alumnus=picked)
    assert group.pk not in alumnus_group_ids(alumnus=other)


def _survey() -> SurveyPage:
    return SurveyPageFactory(
        parent=make_site(),
        title="関心のある働き方",
        questions=[
            question("single", "応募を考える時期", ["今年度", "来年度以降"]),
            question("multiple", "関心のある働き方", ["常勤", "非常勤", "単発"], targeting=True),
        ],
        opens_at=timezone.now() - dt.timedelta(days=1),
    )


def test_the_answer_rule_on_a_multiple_choice_question_is_answered_in_the_database() -> None:
    survey = _survey()
    version = survey_current_version(survey=survey)
    assert version is not None
    timing, ways = version.questions
    options = [o["id"] for o in ways["options"]]
    answers: dict[str, tuple[list[str], bool]] = {
        "part": ([options[1]], True),
        "both": ([options[0], options[2]], True),
        "no_consent": ([options[2]], False),
        "other": ([options[0]], True),
    }
    people = {}
    for key, (chosen, consent) in answers.items():
        people[key] = AlumnusFactory()
        survey_response_save(
            survey=survey,
            alumnus=people[key],
            version_number=version.number,
            answers={timing["id"]: timing["options"][0]["id"], ways["id"]: chosen},
            targeting_consent=[ways["id"]] if consent else [],
        )
    group = AudienceGroupFactory(
        answer_survey=survey, answer_question=ways["id"], answer_options=options[1:]
    )

    expected = {people["part"].pk, people["both"].pk}
    assert {p.pk for p in audience_group_members(group=group)} == expected
    assert {k for k, p in people.items() if group.pk in alumnus_group_ids(alumnus=p)} == {
        "part",
        "both",
    }


def _groups_of_every_kind() -> list[AudienceGroup]:
    return [AudienceGroupFactory(**fields) for fields, _ in RULES.values()]


def _more_alumni(count: int) -> None:
    for _ in range(count):
        AlumnusFactory(interests=["防災"], former_department="土木部")


def test_one_persons_groups_cost_the_same_queries_whatever_the_number_of_alumni() -> None:
    _groups_of_every_kind()
    person = _people()[0]
    counts = []
    for more in (5, 40):
        _more_alumni(more)
        with CaptureQueriesContext(connection) as queries:
            alumnus_group_ids(alumnus=person)
        counts.append(len(queries))

    assert counts[0] == counts[1] <= 3


def test_split_terms_reads_japanese_commas() -> None:
    assert split_terms("仙台市、東京都，大阪府") == ["仙台市", "東京都", "大阪府"]
