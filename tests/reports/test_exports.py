"""The report files: the XLSX re-opens with its charts, the CSVs decode with the same numbers,
the PDF's text holds them; the commands write them and refuse bad arguments in Japanese."""

import csv
import datetime as dt
import io
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from pypdf import PdfReader

from cms.alumni.normalise import wareki_with_year
from cms.reports.exports import csv_cp932, csv_utf8, csv_value, xlsx_bytes
from cms.reports.periods import fiscal_year_period
from cms.reports.selectors import Figures, fiscal_year_figures, month_figures
from cms.reports.services import completion_report_files

from .conftest import SeededMonth


def _shown_numbers(figures: Figures) -> list[tuple[str, str, str, str]]:
    return [
        (table.title, row.label, column, csv_value(cell))
        for table in figures.tables
        for row in table.rows
        for column, cell in zip(table.columns, row.cells, strict=True)
    ]


def test_xlsx_reopens_with_a_chart_beside_each_table_and_numbers_as_numbers(
    seeded: SeededMonth,
) -> None:
    figures = month_figures(seeded.period)
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(figures)))
    cover = book["表紙"]
    assert cover["B3"].value == "令和8年10月"
    assert cover["B4"].value == "2026年10月"
    charted = [t for t in figures.tables if t.chart and t.charted_rows]
    sheets = book.worksheets[1:]
    assert len(sheets) == len(figures.tables)
    charts = sum(len(sheet._charts) for sheet in sheets)
    assert charts == len(charted) >= 6
    registrations = next(s for s in sheets if "新規登録者数" in str(s["A1"].value))
    assert registrations["A3"].value == "月"
    assert registrations["B3"].value == "月（西暦）"
    october = next(r for r in registrations.iter_rows(min_row=4) if r[0].value == "令和8年10月")
    assert october[1].value == dt.datetime(2026, 10, 1)  # a date: the Western year
    total = next(r for r in registrations.iter_rows(min_row=4) if r[0].value == "合計")
    assert total[-1].value == 21 and isinstance(total[-1].value, int)
    assert "5未満" in [c.value for c in october]
    items = next(s for s in sheets if "届いた項目（経路別）" in str(s["A1"].value))
    push = next(r for r in items.iter_rows(min_row=4) if r[0].value == "プッシュ通知")
    assert push[1].value == 10
    assert push[2].value == pytest.approx(10 / 21)
    anchor = items._charts[0].anchor._from
    assert anchor.row == 2 and anchor.col == 5  # beside the table (A–D), not over it


def test_both_csvs_decode_and_hold_the_same_numbers(seeded: SeededMonth) -> None:
    figures = month_figures(seeded.period)
    utf8 = csv_utf8(figures).content
    cp932 = csv_cp932(figures).content
    assert utf8.startswith(b"\xef\xbb\xbf")
    texts = [utf8.decode("utf-8-sig"), cp932.decode("cp932")]
    assert texts[0] == texts[1]
    rows = list(csv.reader(io.StringIO(texts[0])))
    flat = [cell for row in rows for cell in row]
    assert "令和8年10月" in flat and "2026-10" in flat
    for title, label, _column, value in _shown_numbers(figures):
        line = next(
            row
            for index, row in enumerate(rows)
            if row and row[0] == label and _title_before(rows, index) == title
        )
        assert value in line, (title, label, value)
    summary = next(row for row in rows if row and row[0] == "登録者数")
    assert summary[1] == "21"


def _title_before(rows: list[list[str]], index: int) -> str:
    for row in reversed(rows[:index]):
        if len(row) == 1 and not row[0].startswith("注"):
            return row[0]
    return ""


def test_completion_pdf_is_a4_with_the_font_embedded_and_the_same_numbers(
    seeded: SeededMonth, tmp_path: Path
) -> None:
    period = fiscal_year_period(2026)
    figures = fiscal_year_figures(period)
    files = completion_report_files(period=period)
    assert [f.name for f in files] == [
        "completion_report_FY2026.pdf",
        "completion_report_FY2026.xlsx",
        "completion_report_FY2026_utf8.csv",
        "completion_report_FY2026_cp932.csv",
    ]
    path = tmp_path / files[0].name
    path.write_bytes(files[0].content)
    reader = PdfReader(path)
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width)), round(float(height))) == (595, 842)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    assert "IPAexGothic" in fonts.stdout
    assert all(line.split()[-5] == "yes" for line in fonts.stdout.splitlines() if "IPAex" in line)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "業務完了報告書" in text and "令和8年度（2026年度）" in text
    assert f"作成日: {wareki_with_year(timezone.localtime(figures.made_at).date())}" in text
    lines = text.splitlines()
    for table in figures.tables:
        assert table.title in text.replace("\n", "")
        for row in table.rows:
            assert any(
                line.strip().startswith(row.label[:8])
                and all(cell.text in line for cell in row.cells)
                for line in lines
            ), (table.title, row.label, [cell.text for cell in row.cells])
    security = figures.table("security")
    assert security.value("記録されたセキュリティ事故", "件数") == 0
    assert "この年度に記録されたセキュリティ事故はありません。" in text


def test_monthly_report_command_writes_the_three_files(seeded: SeededMonth, tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("monthly_report", "--month", "2026-10", "--out", str(tmp_path), stdout=out)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "monthly_report_2026-10.xlsx",
        "monthly_report_2026-10_cp932.csv",
        "monthly_report_2026-10_utf8.csv",
    ]
    assert "令和8年10月" in out.getvalue()


def test_completion_report_command_of_an_empty_year_gives_zeros(db: None, tmp_path: Path) -> None:
    call_command("completion_report", "--fiscal-year", "2021", "--out", str(tmp_path))
    text = (tmp_path / "completion_report_FY2021_utf8.csv").read_text("utf-8-sig")
    assert "登録者数,0" in text


@pytest.mark.parametrize(
    ("command", "args", "message"),
    [
        ("monthly_report", ["--month", "2026-13", "--out", "x"], "YYYY-MM"),
        ("monthly_report", ["--month", "令和8年", "--out", "x"], "YYYY-MM"),
        ("monthly_report", ["--month", "2026-10"], "--out"),
        ("completion_report", ["--out", "x"], "年度"),
        ("completion_report", ["--fiscal-year", "R8", "--out", "x"], "西暦4桁"),
    ],
)
def test_commands_refuse_bad_arguments_in_japanese(
    db: None, command: str, args: list[str], message: str
) -> None:
    with pytest.raises(CommandError, match=message) as raised:
        call_command(command, *args)
    assert raised.value.returncode == 2


def test_a_bad_argument_on_the_command_line_exits_non_zero_with_japanese() -> None:
    done = subprocess.run(
        [sys.executable, "manage.py", "monthly_report", "--nonsense"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert "引数が正しくありません" in done.stderr
