"""The dashboard's charts as SVG (no canvas, no script): horizontal bars drawn from a `Table`,
shown beside the table itself, which is what a screen reader reads."""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from .selectors import Table

COLOURS = ("#1f4e79", "#b34700", "#3b6b1f", "#6a2c91")
WIDTH = 480
LABEL_WIDTH = 150
VALUE_WIDTH = 56
BAR = 12
GAP = 10
LEGEND = 22


def _scale(table: Table) -> float:
    values = [
        float(row.cells[c].value or 0)
        for row in table.charted_rows
        for c in table.charted_columns
        if row.cells[c].shown
    ]
    return max(values, default=0.0) or 1.0


def chart_svg(table: Table) -> SafeString:
    """Bars for each charted row and column; a hidden cell (「5未満」) is a label, not a bar."""
    rows = table.charted_rows
    columns = table.charted_columns
    if not table.chart or not rows:
        return SafeString("")
    top = LEGEND if len(columns) > 1 else 4
    group = len(columns) * (BAR + 2) + GAP
    height = top + len(rows) * group
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    most = _scale(table)
    parts: list[SafeString] = []
    for index, column in enumerate(columns):
        if len(columns) > 1:
            x = LABEL_WIDTH + index * 110
            parts.append(
                format_html(
                    '<rect x="{}" y="4" width="10" height="10" fill="{}"></rect>'
                    '<text x="{}" y="13" class="report-chart__legend">{}</text>',
                    x,
                    COLOURS[index % len(COLOURS)],
                    x + 14,
                    table.columns[column][:8],
                )
            )
    for r, row in enumerate(rows):
        y = top + r * group
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" class="report-chart__label">{}</text>',
                LABEL_WIDTH - 6,
                y + BAR,
                row.label[:12],
            )
        )
        for index, column in enumerate(columns):
            cell = row.cells[column]
            by = y + index * (BAR + 2)
            length = round(span * float(cell.value or 0) / most, 1) if cell.shown else 0
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"></rect>'
                    '<text x="{}" y="{}" class="report-chart__value">{}</text>',
                    LABEL_WIDTH,
                    by,
                    length,
                    BAR,
                    COLOURS[index % len(COLOURS)],
                    LABEL_WIDTH + length + 4,
                    by + BAR - 2,
                    cell.text,
                )
            )
    return format_html(
        '<svg class="report-chart" viewBox="0 0 {} {}" role="img" aria-label="{}" '
        'focusable="false">{}</svg>',
        WIDTH,
        height,
        f"{table.title}のグラフ（数値は隣の表のとおり）",
        format_html_join("", "{}", ((part,) for part in parts)),
    )
