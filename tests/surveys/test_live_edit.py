"""Live-edit integrity: six edits of a live survey (relabel, add an option, remove an option,
reorder, add a question, remove a question) interleaved with 1,000 responses written through the
service. Every response keeps the version it answered, its answers stay resolvable by id, and
the export shows each in place (losing or shifting no answer)."""

from decimal import Decimal
from typing import Any

import pytest

from cms.surveys.exports import export_columns, export_table
from cms.surveys.models import SurveyResponse
from cms.surveys.results import CatalogueQuestion, survey_catalogue, survey_response_records
from tests.surveys.factories import EDITS, live_edit_run

pytestmark = pytest.mark.django_db


def test_thousand_responses_across_six_live_edits_keep_their_versions_and_answers_in_the_export_too() -> (
    None
):
    """One run (a thousand responses through the service take a while) for what is stored and
    what is exported."""
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

    # Exported in place: each row shows the version and the answers the service accepted last.
    records = survey_response_records(survey=run.survey)
    headings, rows = export_table(catalogue=catalogue, records=records)
    columns = export_columns(catalogue=catalogue)
    assert len(rows) == len(run.expected) == 900
    alumnus_at, version_at = headings.index("登録者番号"), headings.index("回答した版")
    offered = {r.alumnus_id: r.offered for r in records}
    for row in rows:
        number, answers = run.expected[row[alumnus_at]]
        assert row[version_at] == number
        assert _answers_from_row(columns, row, offered[row[alumnus_at]], catalogue) == answers


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


def _answers_from_row(
    columns: list[Any],
    row: list[Any],
    offered: dict[str, tuple[str, ...]],
    catalogue: list[CatalogueQuestion],
) -> dict[str, Any]:
    """The answers an export row says, by question and option id: what a reader of the file
    would reconstruct."""
    answers: dict[str, Any] = {}
    for column, value in zip(columns, row, strict=True):
        question = column.question
        if question is None or value is None:
            continue
        if column.kind == "multiple":
            if value == 1:
                answers.setdefault(question.id, []).append(column.option_id)
            else:
                answers.setdefault(question.id, [])
        elif column.kind == "scale":
            answers[question.id] = offered[question.id][value - 1]
        elif column.kind == "single":
            matches = [o.id for o in question.options if o.label == value]
            assert len(matches) == 1
            answers[question.id] = matches[0]
        elif column.kind == "date":
            answers[question.id] = value.isoformat()
        elif column.kind == "number":
            answers[question.id] = float(value) if isinstance(value, Decimal) else value
        else:
            answers[question.id] = value
    order = {q.id: [o.id for o in q.options] for q in catalogue}
    for qid, value in answers.items():
        if isinstance(value, list):
            stored_order = offered.get(qid, tuple(order[qid]))
            answers[qid] = sorted(value, key=lambda oid: list(stored_order).index(oid))
    return answers
