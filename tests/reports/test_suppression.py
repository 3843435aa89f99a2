"""A number hidden as 「秘匿」 or 「5未満」 cannot be read off what the report shows beside it: not
on the dashboard, not in the CSV, not in the completion report's PDF. The reader's sum is the
one HR would do: a line's 合計 minus its shown cells, a 「5未満」 beside a busy month taken as
about 0 (one rule, `cms.surveys.results.suppress_table`)."""

import csv
import datetime as dt
import io
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.test import Client

from cms.analytics.models import SignalMonthly
from cms.reports.periods import fiscal_year_period, month_period
from cms.reports.selectors import fiscal_year_figures, month_figures, people_grid
from cms.reports.services import completion_report_files
from cms.staff_roles import DELIVERY_HR, PAGE_EDITORS, role_grant
from cms.surveys.results import BELOW_SMALL, HIDDEN
from tests.alumni.factories import AlumnusFactory
from tests.surveys.test_crosstab import random_tables

from .conftest import SeededMonth

REGISTRATIONS = "月別の新規登録者数"


def read_off(grid: Sequence[Sequence[str]]) -> list[tuple[int, int]]:
    """The hidden cells of a table with a 合計 column and a 合計 row (the texts HR sees) that a
    line's shown cells give (its 合計 minus the others, or their sum): the line's only hidden
    cell, or its only 「秘匿」 among 「5未満」 (each 0–4, so the 「秘匿」 is known to within a few
    people). A line of hidden cells only gives nothing."""
    last_row, last_column = len(grid) - 1, len(grid[0]) - 1
    lines = [[(r, c) for c in range(last_column + 1)] for r in range(last_row + 1)]
    lines += [[(r, c) for r in range(last_row + 1)] for c in range(last_column + 1)]
    found = []
    for line in lines:
        hidden = [cell for cell in line if grid[cell[0]][cell[1]] in {BELOW_SMALL, HIDDEN}]
        secret = [cell for cell in hidden if grid[cell[0]][cell[1]] == HIDDEN]
        if len(hidden) == len(line):
            continue
        if len(hidden) == 1:
            found += hidden
        elif len(secret) == 1:
            found += secret
    return sorted(set(found))


def test_no_hidden_count_of_any_table_follows_from_its_totals() -> None:
    """Many tables of people, a busy month among quiet ones the most: nothing hidden is read
    off. (Before: a month's 12 「秘匿」 beside quiet months' 「5未満」 had 合計 12 below it.)"""
    tables = [
        [[0, 0, 0]] * 5 + [[0, 7, 0], [12, 0, 2]],
        [[0, 0, 0]] * 5 + [[10, 3, 0], [0, 0, 0]],
        [[0, 0, 0], [12, 7, 2]],
        *random_tables(150, seed=2026),
    ]
    for interior in tables:
        grid = [[cell.text for cell in line] for line in people_grid(interior)]
        assert read_off(grid) == [], (interior, grid)


def _registrations_csv(content: bytes) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    start = next(i for i, row in enumerate(rows) if row and row[0].startswith(REGISTRATIONS))
    table = []
    for row in rows[start + 2 :]:
        if not row:
            break
        table.append(row[2:])  # after 月 and 月（西暦）
    return table


def test_the_months_csv_hides_what_its_totals_would_give(
    seeded: SeededMonth, django_user_model: Any
) -> None:
    """HR downloads the month's CSV: October's 12 by e-mail (beside 2 of other channels) is
    hidden, and so is every number that would give it back."""
    user = django_user_model.objects.create_user("hr", "hr@example.jp", "pw")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    user.groups.add(Group.objects.get(name=PAGE_EDITORS))
    role_grant(user, DELIVERY_HR)
    client = Client()
    client.force_login(user)
    response = client.get("/admin/reports/monthly/csv/?month=2026-10")
    assert response.status_code == 200
    grid = _registrations_csv(response.content)
    shown = [
        [cell.text.replace(",", "") for cell in row.cells]
        for row in month_figures(seeded.period).table("registrations").rows
    ]
    assert grid == shown
    october, total = grid[-2], grid[-1]
    assert october[0] == HIDDEN and october[2] == BELOW_SMALL
    assert total[0] == HIDDEN  # 12 by e-mail, all in October
    assert read_off(grid) == []


def test_the_completion_pdf_hides_what_its_totals_would_give(
    seeded: SeededMonth, tmp_path: Path
) -> None:
    period = fiscal_year_period(2026)
    pdf = completion_report_files(period=period)[0]
    path = tmp_path / pdf.name
    path.write_bytes(pdf.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    table = fiscal_year_figures(period).table("registrations")
    lines = text.splitlines()
    grid = []
    for row in table.rows:
        line = next(
            line.split() for line in lines if line.split()[:1] == [row.label.replace(" ", "")]
        )
        grid.append(line[1:])
    assert grid == [[cell.text for cell in row.cells] for row in table.rows]
    assert read_off(grid) == []


def test_the_summary_hides_a_months_few_users_as_the_monthly_table_does(db: None) -> None:
    """3 people used the service in the month: 月間利用者数 says 「5未満」, and so does 概要
    (before, 概要 said 3 beside it)."""
    month = dt.date(2026, 10, 1)
    for alumnus in AlumnusFactory.create_batch(3, consent_analytics=True):
        SignalMonthly.objects.create(alumnus=alumnus, month=month, page_views=2, logins=1)
    figures = month_figures(month_period(month))
    summary = figures.table("summary")
    active = figures.table("active")
    for label in ("利用した人（同意者のうち）", "ログインした人（同意者のうち）"):
        assert summary.rows[[row.label for row in summary.rows].index(label)].cells[0].text == (
            BELOW_SMALL
        )
    assert [cell.text for cell in active.rows[-1].cells] == [BELOW_SMALL, BELOW_SMALL]
    assert summary.value("分析に同意した登録者", "値") is None
