"""The completion report (業務完了報告書) as an A4 PDF with the IPAex font embedded: the year's
figures as tables with a chart beside each (reportlab.graphics), activities, security items."""

import io

from django.conf import settings
from django.utils import timezone
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as PdfTable

from cms.alumni.letters import pdf_font
from cms.alumni.normalise import wareki, wareki_with_year

from .exports import ReportFile
from .selectors import Figures, Table

PALETTE = (
    colors.HexColor("#1f4e79"),
    colors.HexColor("#c55a11"),
    colors.HexColor("#548235"),
    colors.HexColor("#7030a0"),
)
CHART_WIDTH = 170 * mm
CHART_HEIGHT = 55 * mm


def _styles() -> dict[str, ParagraphStyle]:
    font = pdf_font()
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=20, leading=28, spaceAfter=12),
        "h1": ParagraphStyle("h1", fontName=font, fontSize=13, leading=18, spaceBefore=10),
        "body": ParagraphStyle("body", fontName=font, fontSize=9.5, leading=14),
        "note": ParagraphStyle(
            "note", fontName=font, fontSize=8, leading=11, textColor=colors.HexColor("#404040")
        ),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=8, leading=10),
    }


def _data_table(table: Table, styles: dict[str, ParagraphStyle]) -> PdfTable:
    header = [Paragraph(text, styles["cell"]) for text in (table.head, *table.columns)]
    body = [
        [Paragraph(row.label, styles["cell"]), *(cell.text for cell in row.cells)]
        for row in table.rows
    ]
    first = 60 * mm
    rest = (170 * mm - first) / max(1, len(table.columns))
    pdf_table = PdfTable(
        [header, *body], colWidths=[first, *([rest] * len(table.columns))], repeatRows=1
    )
    pdf_table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), pdf_font(), 8),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#808080")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDEBF7")),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return pdf_table


def _chart(table: Table) -> Drawing | None:
    """The table's chart; hidden cells (「5未満」) are drawn as 0."""
    rows = table.charted_rows
    if not table.chart or not rows:
        return None
    series = [
        [float(row.cells[c].value or 0) if row.cells[c].shown else 0.0 for row in rows]
        for c in table.charted_columns
    ]
    drawing = Drawing(CHART_WIDTH, CHART_HEIGHT)
    chart: VerticalBarChart | HorizontalBarChart | HorizontalLineChart
    if table.chart == "line":
        chart = HorizontalLineChart()
    elif table.chart == "bar":
        chart = HorizontalBarChart()
    else:
        chart = VerticalBarChart()
        if table.chart == "stacked":
            chart.categoryAxis.style = "stacked"
    chart.x, chart.y = 45 * mm if table.chart == "bar" else 15 * mm, 12 * mm
    chart.width = CHART_WIDTH - chart.x - 5 * mm
    chart.height = CHART_HEIGHT - 20 * mm
    chart.data = series
    chart.categoryAxis.categoryNames = [row.label for row in rows]
    chart.categoryAxis.labels.fontName = pdf_font()
    chart.categoryAxis.labels.fontSize = 6
    chart.valueAxis.labels.fontName = pdf_font()
    chart.valueAxis.labels.fontSize = 6
    chart.valueAxis.valueMin = 0
    for index in range(len(series)):
        color = PALETTE[index % len(PALETTE)]
        if isinstance(chart, HorizontalLineChart):
            chart.lines[index].strokeColor = color
        else:
            chart.bars[index].fillColor = color
    drawing.add(chart)
    legend = Legend()
    legend.fontName = pdf_font()
    legend.fontSize = 7
    legend.x, legend.y = 15 * mm, 4 * mm
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.colorNamePairs = [
        (PALETTE[i % len(PALETTE)], table.columns[c]) for i, c in enumerate(table.charted_columns)
    ]
    legend.deltax = 40 * mm
    drawing.add(legend)
    return drawing


def _section(table: Table, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    parts: list[Flowable] = [Paragraph(table.title, styles["h1"]), Spacer(1, 2 * mm)]
    if not table.rows:
        parts.append(Paragraph(table.note or "データはありません。", styles["body"]))
        return [KeepTogether(parts)]
    parts.append(_data_table(table, styles))
    drawing = _chart(table)
    if drawing is not None:
        parts += [Spacer(1, 2 * mm), drawing]
    if table.note:
        parts.append(Paragraph(f"注: {table.note}", styles["note"]))
    return [KeepTogether(parts)]


def _incidents(figures: Figures, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    parts: list[Flowable] = [Paragraph("記録されたセキュリティ事故", styles["h1"])]
    if not figures.incidents:
        parts.append(
            Paragraph("この年度に記録されたセキュリティ事故はありません。", styles["body"])
        )
        return parts
    for incident in figures.incidents:
        parts.append(Paragraph(f"{wareki(incident.occurred_on)}　{incident.title}", styles["body"]))
        if incident.measures:
            parts.append(Paragraph(f"対応: {incident.measures}", styles["note"]))
    return parts


def completion_pdf(figures: Figures) -> ReportFile:
    """The completion report of a fiscal year as an A4 PDF."""
    styles = _styles()
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"業務完了報告書（{figures.period.label}）",
        author=settings.SITE_NAME,
    )
    period = figures.period
    made = timezone.localtime(figures.made_at).date()
    story: list[Flowable] = [
        Paragraph("業務完了報告書", styles["title"]),
        Paragraph(f"{settings.SITE_NAME}", styles["body"]),
        Paragraph(f"対象年度: {period.label}（{period.western}）", styles["body"]),
        Paragraph(f"作成日: {wareki_with_year(made)}", styles["body"]),
        Spacer(1, 4 * mm),
        Paragraph(
            "本報告書の数値はすべて集計値です。5人未満の人数は「5未満」、"
            "それを推測できる数は「秘匿」と表示しています。",
            styles["note"],
        ),
    ]
    for index, table in enumerate(figures.tables):
        if index in {1, 5}:
            story.append(PageBreak())
        story += _section(table, styles)
    story += _incidents(figures, styles)
    document.build(story)
    kind = f"completion_report_{period.slug}.pdf"
    return ReportFile(kind, "application/pdf", out.getvalue())
