"""The demo survey: 「カムバック採用に関するアンケート」 with the issue's topics, several question
types and a condition, published as version 1, and about thirty demo answers, idempotent."""

from io import StringIO

import pytest
from django.core.management import call_command

from cms.alumni.models import Alumnus, RegistrationChannel
from cms.surveys.models import SurveyPage, SurveyResponse
from cms.surveys.selectors import survey_current_version

pytestmark = pytest.mark.django_db


def _load_survey() -> str:
    out = StringIO()
    call_command("load_demo_survey", stdout=out)
    return out.getvalue()


def test_demo_survey_has_the_topics_types_and_a_condition_and_thirty_answers() -> None:
    call_command("load_demo", stdout=StringIO())
    survey = SurveyPage.objects.get(title="カムバック採用に関するアンケート")
    version = survey_current_version(survey=survey)
    assert version is not None and version.number == 1
    labels = " ".join(q["label"] for q in version.questions)
    for topic in ("給与・処遇", "勤務地・通勤", "職種", "働き方", "職場の受け入れ", "子育て・介護"):
        assert topic in labels
    assert "応募を考える時期" in labels and "知りたい情報" in labels
    assert {"single", "multiple", "scale", "long_text", "number", "date"} <= {
        q["type"] for q in version.questions
    }
    assert sum(1 for q in version.questions if q["condition"]) == 1

    assert "新しい回答 30 件" in _load_survey()
    assert SurveyResponse.objects.filter(survey=survey, version=version).count() == 30
    # Nobody invited the respondents: they registered without an invitation (approved by HR).
    respondents = Alumnus.objects.filter(survey_responses__survey=survey)
    assert set(respondents.values_list("channel", flat=True)) == {RegistrationChannel.OPEN}
    assert not respondents.filter(roster_entry__isnull=False).exists()
    alumni, answers = (
        Alumnus.objects.count(),
        list(SurveyResponse.objects.order_by("pk").values_list("answers", flat=True)),
    )
    assert "新しい回答 0 件、既存 30 件" in _load_survey()
    assert Alumnus.objects.count() == alumni
    assert list(SurveyResponse.objects.order_by("pk").values_list("answers", flat=True)) == answers
