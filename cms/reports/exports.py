"""The report files HR opens in Excel: an XLSX with a native chart beside each table (XlsxWriter)
and the same tables as CSV in UTF-8 with a BOM and in CP932. All render `Figures`."""

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from cms.alumni.export import inert_cell
from cms.surveys.exports import csv_file

from .selectors import Cell, Figures, Table

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WESTERN_MONTH = "月（西暦）"
EXCEL_CHART_TYPES = {
    "column": ("column", None),
    "stacked": ("column", "stacked"),
    "bar": ("bar", None),
    "line": ("line", None),
}


@dataclass(frozen=True)
class ReportFile:
    """One file of a report: its name, media type and bytes."""

    name: str
    content_type: str
    content: bytes


def _title(figures: Figures) -> str:
    kind = "月次報告" if figures.period.kind == "month" else "業務完了報告"
    return f"{kind}（{figures.period.label}／{figures.period.western}）"


def _base_name(figures: Figures) -> str:
    kind = "monthly_report" if figures.period.kind == "month" else "completion_report"
    return f"{kind}_{figures.period.slug}"


# --- CSV -----------------------------------------------------------------------------------------


def csv_value(cell: Cell) -> str:
    """What a CSV cell holds: the number Excel reads as a number (no thousands separator; a rate
    as 12.5%), 「5未満」/「秘匿」, or nothing where there is no number to give (「—」 on screen, a
    character Shift_JIS does not have)."""
    if cell.value is None and cell.state is None:
        return ""
    return cell.text.replace(",", "")


def csv_text(figures: Figures) -> str:
    """Every table, one after another: its title, its header, its rows, a blank line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_title(figures)])
    writer.writerow(["作成日時", f"{figures.made_at:%Y-%m-%d %H:%M}"])
    writer.writerow([])
    for table in figures.tables:
        writer.writerow([table.title])
        months = table.has_months
        writer.writerow([table.head, *([WESTERN_MONTH] if months else []), *table.columns])
        for row in table.rows:
            western = [f"{row.month:%Y-%m}" if row.month else ""] if months else []
            writer.writerow(
                [inert_cell(row.label), *western, *(csv_value(cell) for cell in row.cells)]
            )
        if table.note:
            writer.writerow([f"注: {table.note}"])
        writer.writerow([])
    return out.getvalue()


def _csv_report(figures: Figures, *, name: str, shift_jis: bool) -> ReportFile:
    file = csv_file(csv_text(figures), name=name, shift_jis=shift_jis)
    return ReportFile(file.filename, file.content_type, file.content)


def csv_utf8(figures: Figures) -> ReportFile:
    return _csv_report(figures, name=f"{_base_name(figures)}_utf8.csv", shift_jis=False)


def csv_cp932(figures: Figures) -> ReportFile:
    return _csv_report(figures, name=f"{_base_name(figures)}_cp932.csv", shift_jis=True)


# --- XLSX ----------------------------------------------------------------------------------------


class _Formats:
    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        self.text = book.add_format({"border": 1})
        self.count = book.add_format({"border": 1, "num_format": "#,##0"})
        self.rate = book.add_format({"border": 1, "num_format": "0.0%"})
        self.ratio = book.add_format({"border": 1, "num_format": "0.00"})
        self.month = book.add_format({"border": 1, "num_format": "yyyy-mm"})
        self.hidden = book.add_format({"border": 1, "align": "right", "font_color": "#595959"})
        self.note = book.add_format({"italic": True, "font_color": "#404040"})

    def of(self, cell: Cell) -> object:
        if not cell.shown:
            return self.hidden
        return {"rate": self.rate, "ratio": self.ratio}.get(cell.kind, self.count)


def _sheet_name(index: int, table: Table) -> str:
    name = f"{index:02d}_{table.title}"
    for char in "[]:*?/\\":
        name = name.replace(char, "・")
    return name[:31]


def _write_table(sheet: Worksheet, table: Table, formats: _Formats) -> tuple[int, int]:
    """The table from row 3 (A3); returns the first data row and the first value column."""
    months = table.has_months
    first_value = 2 if months else 1
    header = [table.head, *([WESTERN_MONTH] if months else []), *table.columns]
    for column, text in enumerate(header):
        sheet.write_string(2, column, text, formats.head)
    for offset, row in enumerate(table.rows):
        line = 3 + offset
        sheet.write_string(line, 0, inert_cell(row.label), formats.text)
        if months:
            if row.month:
                sheet.write_datetime(line, 1, row.month, formats.month)
            else:
                sheet.write_blank(line, 1, None, formats.text)
        for column, cell in enumerate(row.cells, start=first_value):
            if cell.shown:
                sheet.write_number(line, column, cell.value, formats.of(cell))
            else:
                sheet.write_string(line, column, cell.text, formats.hidden)
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, len(header) - 1, 14)
    return 3, first_value


def _add_chart(
    book: xlsxwriter.Workbook, sheet: Worksheet, table: Table, first_row: int, first_value: int
) -> None:
    kind, subtype = EXCEL_CHART_TYPES[table.chart]
    options: dict[str, str] = {"type": kind}
    if subtype:
        options["subtype"] = subtype
    chart = book.add_chart(options)
    if chart is None:
        return
    charted = len(table.charted_rows)
    last_row = first_row + charted - 1
    name = sheet.get_name()
    for column in table.charted_columns:
        col = first_value + column
        chart.add_series(
            {
                "name": [name, 2, col],
                "categories": [name, first_row, 0, last_row, 0],
                "values": [name, first_row, col, last_row, col],
            }
        )
    chart.set_title({"name": table.title})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 560, "height": 320})
    # Beside the table: two columns right of its last column.
    anchor = first_value + len(table.columns) + 1
    sheet.insert_chart(2, anchor, chart)


def xlsx_bytes(figures: Figures) -> bytes:
    """The workbook: a cover sheet, then one sheet per table with its chart beside it."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    formats = _Formats(book)
    cover = book.add_worksheet("表紙")
    cover.write_string(0, 0, _title(figures), formats.title)
    cover.write_string(2, 0, "対象期間", formats.head)
    cover.write_string(2, 1, figures.period.label, formats.text)
    cover.write_string(3, 0, "対象期間（西暦）", formats.head)
    cover.write_string(3, 1, figures.period.western, formats.text)
    cover.write_string(4, 0, "作成日時", formats.head)
    cover.write_string(4, 1, f"{figures.made_at:%Y-%m-%d %H:%M}", formats.text)
    cover.write_string(
        6, 0, "5人未満の人数は「5未満」、それを推測できる数は「秘匿」と表示しています。"
    )
    cover.set_column(0, 0, 22)
    cover.set_column(1, 1, 30)
    for index, table in enumerate(figures.tables, start=1):
        sheet = book.add_worksheet(_sheet_name(index, table))
        sheet.write_string(0, 0, f"{table.title}（{figures.period.label}）", formats.title)
        first_row, first_value = _write_table(sheet, table, formats)
        if table.note:
            sheet.write_string(first_row + len(table.rows) + 1, 0, table.note, formats.note)
        if table.chart and table.charted_rows:
            _add_chart(book, sheet, table, first_row, first_value)
    book.close()
    return out.getvalue()


def xlsx_file(figures: Figures) -> ReportFile:
    return ReportFile(f"{_base_name(figures)}.xlsx", XLSX_TYPE, xlsx_bytes(figures))


def report_files(figures: Figures) -> list[ReportFile]:
    """The XLSX and the two CSVs of a report."""
    return [xlsx_file(figures), csv_utf8(figures), csv_cp932(figures)]


def files_write(files: list[ReportFile], out_dir: Path) -> list[Path]:
    """Each file into `out_dir` (made if missing); the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for file in files:
        path = out_dir / file.name
        path.write_bytes(file.content)
        paths.append(path)
    return paths
