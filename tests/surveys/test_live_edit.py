"""Live-edit integrity: six edits of a live survey (relabel, add an option, remove an option,
reorder, add a question, remove a question) interleaved with 1,000 responses written through the
service. Every response keeps the version it answered and its answers stay resolvable by id."""

import pytest

from cms.surveys.models import SurveyResponse
from cms.surveys.results import survey_catalogue
from tests.surveys.factories import EDITS, live_edit_run

pytestmark = pytest.mark.django_db


def test_thousand_responses_across_six_live_edits_keep_their_versions_and_answers() -> None:
    run = live_edit_run(responses=1000)

    assert [v.number for v in run.versions] == list(range(1, len(EDITS) + 2))
    stored = {
        r.alumnus_id: r
        for r in SurveyResponse.objects.filter(survey=run.survey).select_related("version")
    }
    assert len(stored) == len(run.expected) == 900
    for alumnus_id, (number, answers) in run.expected.items():
        response = stored[alumnus_id]
        assert response.version.number == number
        assert response.answers == answers

    catalogue = survey_catalogue(survey=run.survey)
    questions = {q.id: q for q in catalogue}
    options = {(q.id, o.id): o for q in catalogue for o in q.options}
    for response in stored.values():
        for qid, value in response.answers.items():
            assert qid in questions  # a removed question is still in the catalogue
            chosen = value if isinstance(value, list) else [value]
            if questions[qid].type in ("single", "multiple", "scale"):
                assert all((qid, oid) in options for oid in chosen)


def test_catalogue_keeps_last_labels_of_relabelled_and_removed_options() -> None:
    run = live_edit_run(responses=70)  # ten responses between edits
    last = run.versions[-1].number

    catalogue = survey_catalogue(survey=run.survey)
    by_label = {q.label: q for q in catalogue}
    interest = by_label["関心はありますか"]
    assert [o.label for o in interest.options] == ["ある", "条件が合えば", "ない"]
    places = by_label["希望する勤務地"]
    assert {o.label: last in o.versions for o in places.options} == {
        "仙台市内": True,
        "仙南": True,
        "沿岸": True,
        "どこでもよい": True,
        "県北": False,  # removed, kept under its last label
    }
    assert by_label["民間で働いた年数"].versions == (1, 2, 3, 4, 5, 6)
    assert next(q.label for q in catalogue if last in q.versions) == "給与をどの程度重視しますか"
    assert by_label["現在の職種"].versions == (6, 7)
