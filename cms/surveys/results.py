"""Survey results HR can trust: the questionnaire across versions, per-question tallies and
cross-tabs whose small cells (fewer than 5 people) can be neither read nor worked out.

The rules are pure functions over plain data (a version's schema as in the survey contract,
`ResponseRecord`s), tested on small hand-made tables; the reads at the end feed them from the
database for the admin's results screen and the exports.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from .models import SurveyPage, SurveyResponse, SurveyVersion
from .selectors import survey_audience_ids

CHOICE_TYPES = frozenset({"single", "multiple", "scale"})
TEXT_TYPES = frozenset({"short_text", "long_text"})
# A cell, total or grand total counting fewer people than this is never shown.
SMALL_CELL = 5
BELOW_SMALL = "5未満"
# A cell of 5 or more hidden so that no 「5未満」 can be worked out from the totals.
HIDDEN = "秘匿"
UNKNOWN = "不明"
QUESTION_TYPE_LABELS = {
    "single": "単一選択",
    "multiple": "複数選択",
    "scale": "5段階評価",
    "short_text": "短い文章",
    "long_text": "長い文章",
    "number": "数値",
    "date": "日付",
}


# --- the questionnaire across versions ----------------------------------------------------------


@dataclass(frozen=True)
class CatalogueOption:
    """An option ever published: its last label and the version numbers it appeared in."""

    id: str
    label: str
    versions: tuple[int, ...]


@dataclass(frozen=True)
class CatalogueQuestion:
    """A question ever published, with its last label, type and options (removed ones too)."""

    id: str
    type: str
    label: str
    versions: tuple[int, ...]
    options: tuple[CatalogueOption, ...]
    targeting: bool = False

    @property
    def type_label(self) -> str:
        return QUESTION_TYPE_LABELS.get(self.type, self.type)

    def option(self, option_id: str) -> CatalogueOption | None:
        return next((o for o in self.options if o.id == option_id), None)


def _merged_order(sequences: Sequence[Sequence[str]]) -> list[str]:
    """One order of every id of `sequences` (oldest first): the newest order, each id that left
    put back after the id it followed when it was last there."""
    if not sequences:
        return []
    order = list(dict.fromkeys(sequences[-1]))
    for sequence in reversed(sequences[:-1]):
        anchor: str | None = None
        for item in sequence:
            if item not in order:
                order.insert(order.index(anchor) + 1 if anchor is not None else 0, item)
            anchor = item
    return order


def questionnaire_catalogue(
    *, versions: Iterable[tuple[int, Mapping[str, Any]]]
) -> list[CatalogueQuestion]:
    """Every question and option of the given (number, schema) versions, in display order, each
    with its last label and the versions it appeared in: a removed one keeps its last label."""
    ordered = sorted(versions, key=lambda item: item[0])
    latest: dict[str, dict[str, Any]] = {}
    question_versions: dict[str, list[int]] = {}
    option_latest: dict[str, dict[str, str]] = {}
    option_versions: dict[str, dict[str, list[int]]] = {}
    option_orders: dict[str, list[list[str]]] = {}
    for number, schema in ordered:
        for question in schema.get("questions", []):
            qid = str(question["id"])
            latest[qid] = question
            question_versions.setdefault(qid, []).append(number)
            ids = []
            for option in question.get("options") or []:
                oid = str(option["id"])
                ids.append(oid)
                option_latest.setdefault(qid, {})[oid] = str(option.get("label", ""))
                option_versions.setdefault(qid, {}).setdefault(oid, []).append(number)
            option_orders.setdefault(qid, []).append(ids)
    order = _merged_order(
        [[str(q["id"]) for q in schema.get("questions", [])] for _, schema in ordered]
    )
    catalogue = []
    for qid in order:
        question = latest[qid]
        options = tuple(
            CatalogueOption(
                id=oid,
                label=option_latest[qid][oid],
                versions=tuple(option_versions[qid][oid]),
            )
            for oid in _merged_order(option_orders.get(qid, []))
        )
        catalogue.append(
            CatalogueQuestion(
                id=qid,
                type=str(question.get("type", "")),
                label=str(question.get("label", "")),
                versions=tuple(question_versions[qid]),
                options=options,
                targeting=bool(question.get("targeting")),
            )
        )
    return catalogue


def version_label(versions: Sequence[int]) -> str:
    """「第1版〜第3版」, 「第1版・第3版」: the versions a question or option appeared in."""
    if not versions:
        return ""
    runs: list[tuple[int, int]] = []
    for number in versions:
        if runs and number == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], number)
        else:
            runs.append((number, number))
    return "・".join(
        f"第{start}版" if start == end else f"第{start}版〜第{end}版" for start, end in runs
    )


# --- responses as plain data -------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseRecord:
    """One response with what the cross-tabs need of its author (never a name)."""

    id: int
    alumnus_id: int
    version: int
    answers: Mapping[str, Any]
    submitted_at: dt.datetime
    updated_at: dt.datetime
    department: str = ""
    retired_year: int | None = None
    birth_date: dt.date | None = None
    # The version's options of each choice question, in its order (a scale's point = index + 1).
    offered: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def age_band(birth_date: dt.date | None, *, today: dt.date) -> str:
    """Ten-year bands (「30〜39歳」), open at both ends: small bands would name people."""
    if birth_date is None:
        return UNKNOWN
    age = age_on(birth_date, today)
    if age < 30:
        return "29歳以下"
    if age >= 60:
        return "60歳以上"
    low = age // 10 * 10
    return f"{low}〜{low + 9}歳"


def _answered(value: Any) -> bool:
    return value not in (None, "", [])


def chosen_options(value: Any) -> list[str]:
    """The option ids of a choice answer (one for single and scale, a list for multiple)."""
    if isinstance(value, list):
        return [str(item) for item in value]
    return [str(value)] if _answered(value) else []


def number_value(value: Any) -> int | float | Decimal | None:
    """A number answer as a number (JSON gives int or float; a string is read as Decimal)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | Decimal):
        return value
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return None
    return int(number) if number == number.to_integral_value() else number


def date_value(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


# --- tallies -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OptionTally:
    option: CatalogueOption
    count: int
    percent: float  # of the people who answered the question


@dataclass(frozen=True)
class TextAnswer:
    text: str
    submitted_at: dt.datetime
    alumnus_id: int


@dataclass(frozen=True)
class QuestionTally:
    """One question's results: counts per option, a number/date summary or the texts."""

    question: CatalogueQuestion
    respondents: int
    options: tuple[OptionTally, ...] = ()
    summary: tuple[tuple[str, str], ...] = ()
    texts: tuple[TextAnswer, ...] = ()

    @property
    def kind(self) -> str:
        if self.question.type in CHOICE_TYPES:
            return "choice"
        if self.question.type in TEXT_TYPES:
            return "text"
        return "summary"


def _number_text(value: float | Decimal | int) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{value:,}"


def question_tally(
    *, question: CatalogueQuestion, records: Sequence[ResponseRecord]
) -> QuestionTally:
    answered = [r for r in records if _answered(r.answers.get(question.id))]
    respondents = len(answered)
    if question.type in CHOICE_TYPES:
        counts = dict.fromkeys((o.id for o in question.options), 0)
        for record in answered:
            for oid in set(chosen_options(record.answers[question.id])):
                if oid in counts:
                    counts[oid] += 1
        return QuestionTally(
            question=question,
            respondents=respondents,
            options=tuple(
                OptionTally(
                    option=o,
                    count=counts[o.id],
                    percent=(100.0 * counts[o.id] / respondents) if respondents else 0.0,
                )
                for o in question.options
            ),
        )
    if question.type in TEXT_TYPES:
        texts = sorted(
            (
                TextAnswer(
                    text=str(r.answers[question.id]),
                    submitted_at=r.submitted_at,
                    alumnus_id=r.alumnus_id,
                )
                for r in answered
            ),
            key=lambda t: t.submitted_at,
        )
        return QuestionTally(question=question, respondents=respondents, texts=tuple(texts))
    summary: list[tuple[str, str]] = []
    if question.type == "number":
        numbers = [n for r in answered if (n := number_value(r.answers[question.id])) is not None]
        if numbers:
            floats = [float(n) for n in numbers]
            summary = [
                ("平均", _number_text(statistics.fmean(floats))),
                ("中央値", _number_text(statistics.median(floats))),
                ("最小", _number_text(min(numbers))),
                ("最大", _number_text(max(numbers))),
            ]
    elif question.type == "date":
        dates = [d for r in answered if (d := date_value(r.answers[question.id])) is not None]
        if dates:
            summary = [
                ("最も早い日", f"{min(dates):%Y年%-m月%-d日}"),
                ("最も遅い日", f"{max(dates):%Y年%-m月%-d日}"),
            ]
    return QuestionTally(question=question, respondents=respondents, summary=tuple(summary))


def survey_tallies(
    *, catalogue: Sequence[CatalogueQuestion], records: Sequence[ResponseRecord]
) -> list[QuestionTally]:
    return [question_tally(question=q, records=records) for q in catalogue]


# --- small-cell suppression ---------------------------------------------------------------------

Cell = tuple[int, int]
_BIG = 10**12


@dataclass(frozen=True)
class Suppression:
    """Which cells of an extended table (interior, then a totals column and a totals row) are
    hidden: `below` count fewer than SMALL_CELL people, `hidden` are hidden so that no `below`
    cell can be worked out (complementary suppression)."""

    below: frozenset[Cell]
    hidden: frozenset[Cell]

    def state(self, cell: Cell) -> str | None:
        if cell in self.below:
            return "below"
        if cell in self.hidden:
            return "hidden"
        return None


def extended_table(interior: Sequence[Sequence[int]]) -> list[list[int]]:
    """The interior with each row's total appended and a last row of column totals."""
    columns = len(interior[0]) if interior else 0
    rows = [[*row, sum(row)] for row in interior]
    totals = [sum(row[j] for row in rows) for j in range(columns + 1)]
    return [*rows, totals]


def _sign(cell: Cell, last_row: int, last_column: int) -> int:
    # Margins negated: every row and every column of the extended table then sums to zero,
    # so a change that adds and takes away 1 around a cycle of hidden cells keeps every total.
    r, c = cell
    return -1 if (r == last_row) != (c == last_column) else 1


def _bounds(
    cell: Cell, suppression: Suppression, threshold: int
) -> tuple[int, int]:  # what a reader knows of a hidden cell
    return (0, threshold - 1) if cell in suppression.below else (threshold, _BIG)


def _can_change(
    table: Sequence[Sequence[int]], suppression: Suppression, cell: Cell, step: int, threshold: int
) -> bool:
    """Whether another table, agreeing with all that is shown, has `cell` different by `step`
    (in its signed value): a cycle of hidden cells through it that can absorb the change.

    A 「秘匿」 cell's cycle runs through other 「秘匿」 cells only: were it absorbed by 「5未満」
    cells alone, the line's total minus its shown cells would give it to within a few people
    (a reader takes a 「5未満」 beside a busy month for about 0), and a month row's 「秘匿」
    could be read off its 合計."""
    last_row, last_column = len(table) - 1, len(table[0]) - 1
    hidden = (
        suppression.hidden if cell in suppression.hidden else suppression.below | suppression.hidden
    )

    def fits(c: Cell, delta: int) -> bool:
        low, high = _bounds(c, suppression, threshold)
        value = table[c[0]][c[1]] + _sign(c, last_row, last_column) * delta
        return low <= value <= high

    if not fits(cell, step):
        return False
    by_row: dict[int, list[Cell]] = {}
    by_column: dict[int, list[Cell]] = {}
    for c in hidden:
        if c != cell:
            by_row.setdefault(c[0], []).append(c)
            by_column.setdefault(c[1], []).append(c)
    # From the cell's column, alternate -step (along a column) and +step (along a row) until
    # the cell's row is reached.
    start, goal = ("c", cell[1]), ("r", cell[0])
    seen = {start}
    queue = deque([start])
    while queue:
        kind, index = queue.popleft()
        if kind == "c":
            moves = [(("r", c[0]), c) for c in by_column.get(index, []) if fits(c, -step)]
        else:
            moves = [(("c", c[1]), c) for c in by_row.get(index, []) if fits(c, step)]
        for node, _ in moves:
            if node == goal:
                return True
            if node not in seen:
                seen.add(node)
                queue.append(node)
    return False


def derivable_cells(
    table: Sequence[Sequence[int]], suppression: Suppression, *, threshold: int = SMALL_CELL
) -> list[Cell]:
    """The hidden cells whose value follows from what is shown (the other cells, the totals,
    and that a 「5未満」 is 0–4 and a 「秘匿」 at least 5), and the 「秘匿」 cells that only
    「5未満」 cells keep from following (see `_can_change`)."""
    return list(_derivable(table, suppression, threshold))


def _derivable(
    table: Sequence[Sequence[int]], suppression: Suppression, threshold: int
) -> Iterator[Cell]:
    """`derivable_cells`, one at a time (suppress_table needs only the first)."""
    for cell in sorted(suppression.below | suppression.hidden):
        if _pinned(table, suppression, cell, threshold):
            yield cell


def _pinned(
    table: Sequence[Sequence[int]], suppression: Suppression, cell: Cell, threshold: int
) -> bool:
    """Whether this hidden cell follows from what is shown (it can change neither way)."""
    return not _can_change(table, suppression, cell, 1, threshold) and not _can_change(
        table, suppression, cell, -1, threshold
    )


def suppress_table(
    table: Sequence[Sequence[int]],
    *,
    threshold: int = SMALL_CELL,
    also_hide: Iterable[Cell] = (),
) -> Suppression:
    """Hide every cell (totals included) under `threshold`, then more cells, smallest first,
    until no hidden one can be worked out. `table` is extended (see `extended_table`);
    `also_hide` are cells that must be hidden anyway (a total hidden in a linked table)."""
    cells = [(r, c) for r in range(len(table)) for c in range(len(table[0]))]
    below = frozenset(cell for cell in cells if table[cell[0]][cell[1]] < threshold)
    hidden = {cell for cell in also_hide if cell not in below}
    suppression = Suppression(below, frozenset(hidden))
    last_row, last_column = len(table) - 1, len(table[0]) - 1

    def cost(cell: Cell) -> tuple[int, int]:
        # Interior cells first (a total tells more), then the smallest.
        margin = (cell[0] == last_row) + (cell[1] == last_column)
        return (margin, table[cell[0]][cell[1]])

    while True:
        target = next(_derivable(table, suppression, threshold), None)
        if target is None:
            return suppression
        shown = [cell for cell in cells if suppression.state(cell) is None]
        if not shown:
            return suppression
        near = [cell for cell in shown if cell[0] == target[0] or cell[1] == target[1]]
        candidates = sorted(near or shown, key=cost)
        chosen = candidates[0]
        for candidate in candidates:
            trial = Suppression(below, frozenset({*suppression.hidden, candidate}))
            if not _pinned(table, trial, target, threshold):
                chosen = candidate
                break
        suppression = Suppression(below, frozenset({*suppression.hidden, chosen}))


# --- cross-tabs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dimension:
    """What a cross-tab's rows are: a label and how a response's author falls in a row."""

    key: str
    label: str
    row_of: Callable[[ResponseRecord], str]


def dimensions(*, today: dt.date) -> list[Dimension]:
    return [
        Dimension("department", "退職時の所属", lambda r: r.department.strip() or UNKNOWN),
        Dimension(
            "retired_year",
            "退職年",
            lambda r: f"{r.retired_year}年" if r.retired_year else UNKNOWN,
        ),
        Dimension("age_band", "年齢", lambda r: age_band(r.birth_date, today=today)),
    ]


@dataclass(frozen=True)
class CrossCell:
    value: int | None  # None when hidden
    state: str | None  # "below", "hidden" or None

    @property
    def text(self) -> str:
        if self.state == "below":
            return BELOW_SMALL
        if self.state == "hidden":
            return HIDDEN
        return f"{self.value:,}"


@dataclass(frozen=True)
class CrossRow:
    label: str
    cells: tuple[CrossCell, ...]
    total: CrossCell


@dataclass(frozen=True)
class CrossTab:
    question: CatalogueQuestion
    dimension: str
    columns: tuple[str, ...]
    rows: tuple[CrossRow, ...]
    totals: CrossRow

    @property
    def has_hidden(self) -> bool:
        return any(c.state for row in (*self.rows, self.totals) for c in (*row.cells, row.total))


def _cell(table: Sequence[Sequence[int]], suppression: Suppression, cell: Cell) -> CrossCell:
    state = suppression.state(cell)
    return CrossCell(None if state else table[cell[0]][cell[1]], state)


def _row_labels(records: Sequence[ResponseRecord], dimension: Dimension) -> list[str]:
    labels = sorted({dimension.row_of(r) for r in records})
    # 「不明」 last; years and ages sort as text well enough (same widths).
    return sorted(labels, key=lambda label: (label == UNKNOWN, label))


def crosstab(
    *,
    question: CatalogueQuestion,
    records: Sequence[ResponseRecord],
    dimension: Dimension,
    threshold: int = SMALL_CELL,
) -> CrossTab:
    """The people who answered a choice question, by row (department, retirement year or age
    band) and option, with every count under `threshold` and whatever would reveal it hidden.

    A single choice or scale is one table whose rows add up. A multiple choice is, for each
    option, a table of (chose, did not choose) sharing the row totals: a total hidden in one is
    hidden in all, until nothing changes."""
    answered = [r for r in records if _answered(r.answers.get(question.id))]
    labels = _row_labels(answered, dimension)
    index = {label: i for i, label in enumerate(labels)}
    option_ids = [o.id for o in question.options]
    counts = [[0] * len(option_ids) for _ in labels]
    row_people = [0] * len(labels)
    for record in answered:
        row = index[dimension.row_of(record)]
        row_people[row] += 1
        for oid in set(chosen_options(record.answers[question.id])):
            if oid in option_ids:
                counts[row][option_ids.index(oid)] += 1
    m, n = len(labels), len(option_ids)
    columns = tuple(o.label for o in question.options)
    if m == 0 or n == 0:
        empty = CrossRow(
            "合計", tuple(CrossCell(0, "below") for _ in columns), CrossCell(0, "below")
        )
        return CrossTab(question, dimension.label, columns, (), empty)

    if question.type != "multiple":
        table = extended_table(counts)
        suppression = suppress_table(table, threshold=threshold)
        rows = tuple(
            CrossRow(
                labels[i],
                tuple(_cell(table, suppression, (i, j)) for j in range(n)),
                _cell(table, suppression, (i, n)),
            )
            for i in range(m)
        )
        totals = CrossRow(
            "合計",
            tuple(_cell(table, suppression, (m, j)) for j in range(n)),
            _cell(table, suppression, (m, n)),
        )
        return CrossTab(question, dimension.label, columns, rows, totals)

    tables = [
        extended_table([[counts[i][j], row_people[i] - counts[i][j]] for i in range(m)])
        for j in range(n)
    ]
    shared: set[Cell] = set()  # row totals (i, 2) and the grand total (m, 2)
    while True:
        plans = [suppress_table(t, threshold=threshold, also_hide=shared) for t in tables]
        hidden_totals = {
            cell
            for plan in plans
            for cell in plan.below | plan.hidden
            if cell[1] == 2  # the totals column: people in the row, the same in every table
        }
        if hidden_totals <= shared:
            break
        shared |= hidden_totals
    rows = tuple(
        CrossRow(
            labels[i],
            tuple(_cell(tables[j], plans[j], (i, 0)) for j in range(n)),
            _cell(tables[0], plans[0], (i, 2)),
        )
        for i in range(m)
    )
    totals = CrossRow(
        "合計",
        tuple(_cell(tables[j], plans[j], (m, 0)) for j in range(n)),
        _cell(tables[0], plans[0], (m, 2)),
    )
    return CrossTab(question, dimension.label, columns, rows, totals)


# --- reads ---------------------------------------------------------------------------------------


def survey_catalogue(*, survey: SurveyPage) -> list[CatalogueQuestion]:
    """The survey's questionnaire over all its published versions (see questionnaire_catalogue)."""
    return questionnaire_catalogue(
        versions=SurveyVersion.objects.filter(survey=survey).values_list("number", "schema")
    )


def _offered(schema: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    return {
        str(q["id"]): tuple(str(o["id"]) for o in q.get("options") or [])
        for q in schema.get("questions", [])
        if q.get("type") in CHOICE_TYPES
    }


def survey_response_records(*, survey: SurveyPage) -> list[ResponseRecord]:
    """Every response of the survey, oldest first, with its author's department, retirement
    year and birth date (for the cross-tabs and exports) and its version's options."""
    versions = {
        pk: (number, _offered(schema))
        for pk, number, schema in SurveyVersion.objects.filter(survey=survey).values_list(
            "pk", "number", "schema"
        )
    }
    rows = (
        SurveyResponse.objects.filter(survey=survey)
        .order_by("submitted_at", "pk")
        .values_list(
            "pk",
            "alumnus_id",
            "version_id",
            "answers",
            "submitted_at",
            "updated_at",
            "alumnus__former_department",
            "alumnus__retired_on",
            "alumnus__birth_date",
        )
    )
    return [
        ResponseRecord(
            id=pk,
            alumnus_id=alumnus_id,
            version=versions[version_id][0],
            answers=answers if isinstance(answers, dict) else {},
            submitted_at=submitted_at,
            updated_at=updated_at,
            department=department or "",
            retired_year=retired_on.year if retired_on else None,
            birth_date=birth_date,
            offered=versions[version_id][1],
        )
        for (
            pk,
            alumnus_id,
            version_id,
            answers,
            submitted_at,
            updated_at,
            department,
            retired_on,
            birth_date,
        ) in rows
    ]


@dataclass(frozen=True)
class SurveyResults:
    """What the results screen shows of one survey."""

    audience: int
    responses: int
    responded_in_audience: int
    tallies: tuple[QuestionTally, ...]
    crosstabs: tuple[tuple[QuestionTally, tuple[CrossTab, ...]], ...]

    @property
    def rate(self) -> float:
        return 100.0 * self.responded_in_audience / self.audience if self.audience else 0.0


def survey_results(*, survey: SurveyPage, today: dt.date | None = None) -> SurveyResults:
    """Response rate against the survey's audience (as it is now), the tallies of every
    question ever asked and the cross-tabs of its choice questions."""
    today = today or timezone.localdate()
    records = survey_response_records(survey=survey)
    catalogue = survey_catalogue(survey=survey)
    audience = survey_audience_ids(survey=survey)
    tallies = survey_tallies(catalogue=catalogue, records=records)
    by_dimension = dimensions(today=today)
    crosstabs = tuple(
        (
            tally,
            tuple(
                crosstab(question=tally.question, records=records, dimension=d)
                for d in by_dimension
            ),
        )
        for tally in tallies
        if tally.question.type in CHOICE_TYPES and tally.respondents
    )
    return SurveyResults(
        audience=len(audience),
        responses=len(records),
        responded_in_audience=len({r.alumnus_id for r in records} & audience),
        tallies=tuple(tallies),
        crosstabs=crosstabs,
    )
