"""Small-cell suppression of the results' cross-tabs: no count under 5 is shown, and none can be
worked out from what is shown — checked by trying every table that agrees with the display."""

import datetime as dt
import itertools
import random
from collections.abc import Iterator, Sequence

import pytest

from cms.surveys.results import (
    BELOW_SMALL,
    HIDDEN,
    SMALL_CELL,
    CatalogueOption,
    CatalogueQuestion,
    ResponseRecord,
    Suppression,
    crosstab,
    derivable_cells,
    dimensions,
    extended_table,
    suppress_table,
)

Cell = tuple[int, int]


def consistent_tables(
    table: Sequence[Sequence[int]], suppression: Suppression
) -> Iterator[dict[Cell, int]]:
    """Tables a reader could believe: the shown cells as shown, each 「5未満」 0–4, each 「秘匿」
    5 or more, rows and columns adding up to their totals. Plain enumeration, row by row; a
    「秘匿」 is tried within 3 of its value (two believable values are enough to show that a
    cell cannot be worked out)."""
    m, n = len(table) - 1, len(table[0]) - 1
    hidden = suppression.below | suppression.hidden

    def candidates(cell: Cell) -> range:
        if cell in suppression.below:
            return range(SMALL_CELL)
        if cell in suppression.hidden:
            value = table[cell[0]][cell[1]]
            return range(max(SMALL_CELL, value - 3), value + 4)
        return range(table[cell[0]][cell[1]], table[cell[0]][cell[1]] + 1)

    def believable(cell: Cell, value: int) -> bool:
        return value in candidates(cell)

    def rows_from(r: int, chosen: list[list[int]]) -> Iterator[list[list[int]]]:
        if r == m:
            yield chosen
            return
        for row in itertools.product(*(candidates((r, c)) for c in range(n))):
            if believable((r, n), sum(row)):
                yield from rows_from(r + 1, [*chosen, list(row)])

    for interior in rows_from(0, []):
        full = extended_table(interior)
        if all(believable((m, c), full[m][c]) for c in range(n + 1)):
            yield {cell: full[cell[0]][cell[1]] for cell in hidden}


def worked_out(table: Sequence[Sequence[int]], suppression: Suppression) -> set[Cell]:
    """The hidden cells that have one value in every table a reader could believe."""
    seen: dict[Cell, set[int]] = {}
    for guess in consistent_tables(table, suppression):
        for cell, value in guess.items():
            seen.setdefault(cell, set()).add(value)
    return {cell for cell, values in seen.items() if len(values) == 1}


def random_tables(count: int, seed: int) -> Iterator[list[list[int]]]:
    rng = random.Random(seed)  # noqa: S311 (test data, not secrets)
    for _ in range(count):
        rows, columns = rng.choice([(2, 2), (2, 3), (3, 2), (3, 3)])
        yield [[rng.choice([0, 1, 2, 3, 5, 6, 8, 12]) for _ in range(columns)] for _ in range(rows)]


def test_a_row_with_one_small_cell_hides_another_so_the_total_does_not_give_it_away() -> None:
    table = extended_table([[3, 10, 12], [7, 9, 11]])

    suppression = suppress_table(table)

    assert (0, 0) in suppression.below
    assert suppression.hidden  # without them, 3 = 25 - 10 - 12
    assert derivable_cells(table, suppression) == []
    assert worked_out(table, suppression) == set()


def test_two_small_cells_that_must_add_up_to_eight_are_not_left_alone() -> None:
    # 4 + 4 = 8: both are 「5未満」, so the total alone says each is 4.
    table = extended_table([[4, 4, 20], [9, 8, 7]])

    suppression = suppress_table(table)

    assert {(0, 0), (0, 1)} <= suppression.below
    assert worked_out(table, suppression) == set()


@pytest.mark.parametrize("seed", range(4))
def test_no_hidden_cell_of_a_small_table_can_be_worked_out(seed: int) -> None:
    for interior in random_tables(25, seed):
        table = extended_table(interior)

        suppression = suppress_table(table)

        shown_small = [
            (r, c)
            for r, row in enumerate(table)
            for c, value in enumerate(row)
            if value < SMALL_CELL and suppression.state((r, c)) is None
        ]
        assert shown_small == [], interior
        assert worked_out(table, suppression) == set(), (interior, suppression)


def test_without_complementary_suppression_the_brute_force_finds_the_cell() -> None:
    # The check itself is not blind: hiding only the small cells leaves them derivable.
    table = extended_table([[3, 10], [7, 9]])
    only_small = Suppression(
        frozenset(
            (r, c) for r, row in enumerate(table) for c, v in enumerate(row) if v < SMALL_CELL
        ),
        frozenset(),
    )

    assert worked_out(table, only_small) == {(0, 0)}
    assert derivable_cells(table, only_small) == [(0, 0)]


def _records(rows: list[tuple[str, list[str] | str]]) -> list[ResponseRecord]:
    at = dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC)
    return [
        ResponseRecord(
            id=i,
            alumnus_id=i,
            version=1,
            answers={"q": answer},
            submitted_at=at,
            updated_at=at,
            department=department,
            retired_year=2020,
            birth_date=dt.date(1980, 4, 1),
        )
        for i, (department, answer) in enumerate(rows, start=1)
    ]


def _question(kind: str) -> CatalogueQuestion:
    return CatalogueQuestion(
        id="q",
        type=kind,
        label="関心",
        versions=(1,),
        options=(
            CatalogueOption("a", "ある", (1,)),
            CatalogueOption("b", "ない", (1,)),
        ),
    )


def test_a_single_choice_crosstab_shows_small_cells_as_under_5_and_hides_their_partners() -> None:
    rows = [("総務部", "a")] * 12 + [("総務部", "b")] * 2 + [("土木部", "a")] * 8
    rows += [("土木部", "b")] * 9
    department = dimensions(today=dt.date(2026, 11, 29))[0]

    table = crosstab(question=_question("single"), records=_records(rows), dimension=department)

    texts = {row.label: [c.text for c in row.cells] + [row.total.text] for row in table.rows}
    assert texts["総務部"][1] == BELOW_SMALL
    everything = [t for row in texts.values() for t in row] + [c.text for c in table.totals.cells]
    assert "2" not in everything
    assert HIDDEN in everything  # something else hidden, or 2 = 14 - 12
    assert table.has_hidden


def test_a_multiple_choice_crosstab_hides_an_option_nearly_everyone_chose() -> None:
    # 10 people in 総務部, 8 chose "a" (showing 8 and 10 says 2 did not) and all 10 chose "b"
    # (showing 10 and 10 says what each of them answered).
    rows: list[tuple[str, list[str] | str]] = [("総務部", ["a", "b"])] * 8 + [("総務部", ["b"])] * 2
    rows += [("土木部", ["a"])] * 6 + [("土木部", ["b"])] * 6
    department = dimensions(today=dt.date(2026, 11, 29))[0]

    table = crosstab(question=_question("multiple"), records=_records(rows), dimension=department)

    somu = next(row for row in table.rows if row.label == "総務部")
    assert somu.cells[0].state is not None and somu.cells[1].state is not None
    # 総務部's 10 beside 「5未満」 who did not choose "b" would be "about all of them": its total
    # is hidden too, and so 土木部's, which would give it back from the grand total.
    assert somu.total.state is not None
    doboku = next(row for row in table.rows if row.label == "土木部")
    assert doboku.total.state == "hidden"
    assert table.totals.total.text == "22"
