"""The 「アンケートの回答」 rule of audience groups: people who chose one of the options of a
targeting question count only when they agreed that answer may be used; HR picks the options by
label in the group editor, with Japanese field errors."""

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cms.groups.models import AudienceGroup
from cms.groups.selectors import alumnus_group_ids, audience_group_member_ids
from cms.surveys.models import SurveyPage
from cms.surveys.selectors import survey_current_version
from cms.surveys.services import survey_response_save
from tests.groups.factories import AlumnusFactory, AudienceGroupFactory
from tests.surveys.factories import SurveyPageFactory, make_site, question

pytestmark = pytest.mark.django_db


def _survey() -> SurveyPage:
    return SurveyPageFactory(
        parent=make_site(),
        title="カムバック採用に関するアンケート",
        questions=[
            question(
                "single",
                "カムバック採用に関心はありますか",
                ["ある", "条件による", "ない"],
                targeting=True,
            ),
            question("single", "応募を考える時期", ["今年度", "来年度以降"]),
        ],
        opens_at=timezone.now() - dt.timedelta(days=1),
    )


def _ids(survey: SurveyPage) -> tuple[str, list[str], str, list[str]]:
    version = survey_current_version(survey=survey)
    assert version is not None
    interest, timing = version.questions
    return (
        interest["id"],
        [o["id"] for o in interest["options"]],
        timing["id"],
        [o["id"] for o in timing["options"]],
    )


def _answer(survey: SurveyPage, option: int, *, consent: bool) -> Any:
    interest, options, timing, timings = _ids(survey)
    alumnus = AlumnusFactory()
    survey_response_save(
        survey=survey,
        alumnus=alumnus,
        version_number=survey_current_version(survey=survey).number,  # type: ignore[union-attr]
        answers={interest: options[option], timing: timings[0]},
        targeting_consent=[interest] if consent else [],
    )
    return alumnus


def test_only_consenting_people_with_a_chosen_option_are_in_the_group() -> None:
    survey = _survey()
    interested = _answer(survey, 0, consent=True)
    conditional = _answer(survey, 1, consent=True)
    without_consent = _answer(survey, 0, consent=False)
    not_interested = _answer(survey, 2, consent=True)
    AlumnusFactory()  # did not answer
    interest, options, _, _ = _ids(survey)
    group = AudienceGroupFactory(
        name="カムバック採用に関心あり",
        answer_survey=survey,
        answer_question=interest,
        answer_options=options[:2],
    )

    members = audience_group_member_ids(group=group)

    assert members == {interested.pk, conditional.pk}
    assert without_consent.pk not in members and not_interested.pk not in members
    assert group.pk in alumnus_group_ids(alumnus=interested)
    assert group.pk not in alumnus_group_ids(alumnus=without_consent)


def test_the_answer_rule_combines_with_the_other_rules() -> None:
    survey = _survey()
    in_somu = _answer(survey, 0, consent=True)
    in_doboku = _answer(survey, 0, consent=True)
    in_doboku.former_department = "土木部 道路課"
    in_doboku.save()
    interest, options, _, _ = _ids(survey)
    group = AudienceGroupFactory(
        former_departments="土木部",
        answer_survey=survey,
        answer_question=interest,
        answer_options=[options[0]],
    )

    assert audience_group_member_ids(group=group) == {in_doboku.pk}
    assert in_somu.pk not in audience_group_member_ids(group=group)


def test_a_deleted_survey_leaves_the_rule_matching_nobody() -> None:
    survey = _survey()
    _answer(survey, 0, consent=True)
    interest, options, _, _ = _ids(survey)
    group = AudienceGroupFactory(
        answer_survey=survey, answer_question=interest, answer_options=[options[0]]
    )

    survey.responses.all().delete()  # a version with answers cannot go (PROTECT)
    survey.delete()
    group.refresh_from_db()

    assert group.has_rules
    assert audience_group_member_ids(group=group) == set()


URL = "/admin/snippets/groups/audiencegroup/add/"


def test_hr_picks_the_options_by_label_and_the_rule_is_saved(admin_client: Client) -> None:
    survey = _survey()
    interested = _answer(survey, 0, consent=True)
    interest, options, _, _ = _ids(survey)

    form = admin_client.get(URL).content.decode()
    assert "カムバック採用に関心はありますか" in form
    assert "応募を考える時期" not in form  # not a targeting question
    response = admin_client.post(
        URL,
        {
            "name": "関心あり",
            "answer_choice": [f"{survey.pk}:{interest}:{options[0]}"],
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    group = AudienceGroup.objects.get(name="関心あり")
    assert (group.answer_survey_id, group.answer_question, group.answer_options) == (
        survey.pk,
        interest,
        [options[0]],
    )
    assert audience_group_member_ids(group=group) == {interested.pk}


def test_options_of_two_questions_get_a_japanese_field_error(admin_client: Client) -> None:
    survey = SurveyPageFactory(
        parent=make_site(),
        questions=[
            question("single", "関心", ["ある", "ない"], targeting=True),
            question("multiple", "知りたい情報", ["給与", "勤務地"], targeting=True),
        ],
    )
    version = survey_current_version(survey=survey)
    assert version is not None
    first, second = version.questions

    response = admin_client.post(
        URL,
        {
            "name": "混在",
            "answer_choice": [
                f"{survey.pk}:{first['id']}:{first['options'][0]['id']}",
                f"{survey.pk}:{second['id']}:{second['options'][0]['id']}",
            ],
        },
    )

    assert response.status_code == 200
    assert "選択肢は一つの質問の中から選んでください。" in response.content.decode()
    assert not AudienceGroup.objects.filter(name="混在").exists()
