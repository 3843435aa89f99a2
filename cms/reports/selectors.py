"""Every figure of HR's reports, computed once: the dashboard, the XLSX, the CSVs and the PDF all
render the `Figures` returned here (aggregates only; no row names a person).

Each figure is one grouped query on the database (no per-person loop in Python). Breakdowns that
count people hide every cell under 5 as 「5未満」 (and, in tables with totals, whatever would
reveal it as 「秘匿」) with the survey results' suppression (`cms.surveys.results`).

What "active" (利用した人) means: personal activity is only recorded for alumni who agreed to
analysis (`cms.analytics.Signal`). A month's active alumni are those of them with at least one
signal in the month (a login, a page or notice opened, a survey answered, a chat post); those
who signed in are counted from the login signals. Alumni who did not agree are not counted
(their use is not recorded), so the dashboard states the number who agreed beside it. The raw
monthly counts kept per person (`SignalMonthly`, one row per person and month, a column per
type) are queried directly (one grouped COUNT per period, served by the index on the month), because
`cms.analytics.selectors` offers per-person counts only; they outlive the raw signals' purge.
"""

import datetime as dt
import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.models import Count, DateField, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from cms.alumni.models import (
    AccountDeletion,
    Alumnus,
    AlumnusStatus,
    AuditAction,
    AuditLogEntry,
    Invitation,
    InvitationChannel,
    RegistrationChannel,
)
from cms.analytics.models import SignalMonthly
from cms.content.models import NoticePage
from cms.groups.chat.models import Message
from cms.push.models import Channel, Delivery, DeliveryStatus
from cms.surveys.models import SurveyPage, SurveyResponse
from cms.surveys.results import BELOW_SMALL, HIDDEN, SMALL_CELL, extended_table, suppress_table
from cms.surveys.selectors import survey_audience

from .models import Incident
from .periods import Period, fiscal_year_of, fiscal_year_period, wareki_month

COMEBACK_MISSING = "カムバック推計は未構築です"
TOTAL = "合計"
CHANNEL_LABELS: dict[str, str] = {
    RegistrationChannel.EMAIL: "メールでの招待",
    RegistrationChannel.LETTER: "郵送での招待",
    RegistrationChannel.OPEN: "その他（招待なし）",
}
DELIVERY_CHANNELS = (Channel.PUSH, Channel.EMAIL, Channel.DIGEST)
BAND_LABELS = {
    "high": "高",
    "medium": "中",
    "low": "低",
    "ineligible": "対象外",
    "no_consent": "同意なし",
}


# --- cells and tables ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """A number of a table; `state` "below" (fewer than 5 people) or "hidden" when not shown.
    `kind`: "count", "rate" (0–1, shown as a percentage) or "ratio" (a mean, 2 decimals)."""

    value: int | float | None
    state: str | None = None
    kind: str = "count"

    @property
    def shown(self) -> bool:
        return self.state is None and self.value is not None

    @property
    def text(self) -> str:
        if self.state == "below":
            return BELOW_SMALL
        if self.state == "hidden":
            return HIDDEN
        if self.value is None:
            return "—"
        if self.kind == "rate":
            return f"{self.value * 100:.1f}%"
        if self.kind == "ratio":
            return f"{self.value:.2f}"
        return f"{int(self.value):,}"


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[Cell, ...]
    month: dt.date | None = None  # when the row is a month (its first day)


@dataclass(frozen=True)
class Table:
    """A titled table; `chart` how it is drawn ("column", "stacked", "bar", "line" or "" for
    none) from the columns `chart_columns` (all when empty) and the rows except a 合計 row."""

    key: str
    title: str
    head: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    chart: str = "column"
    chart_columns: tuple[int, ...] = ()
    note: str = ""

    @property
    def charted_columns(self) -> tuple[int, ...]:
        return self.chart_columns or tuple(range(len(self.columns)))

    @property
    def charted_rows(self) -> tuple[Row, ...]:
        return tuple(row for row in self.rows if row.label != TOTAL)

    @property
    def has_months(self) -> bool:
        return any(row.month for row in self.rows)

    def value(self, row_label: str, column: str) -> int | float | None:
        """The shown value of one cell (None when hidden) — for tests and the PDF's summary."""
        index = self.columns.index(column)
        for row in self.rows:
            if row.label == row_label:
                cell = row.cells[index]
                return cell.value if cell.shown else None
        raise KeyError(row_label)


@dataclass(frozen=True)
class Figures:
    """All figures of one period (a month or a fiscal year), in the order reports show them."""

    period: Period
    tables: tuple[Table, ...]
    made_at: dt.datetime
    incidents: tuple[Incident, ...] = field(default=())

    def table(self, key: str) -> Table:
        for table in self.tables:
            if table.key == key:
                return table
        raise KeyError(key)


def people_cell(value: int) -> Cell:
    """A count of people shown on its own (no totals beside it)."""
    return Cell(None, "below") if value < SMALL_CELL else Cell(value)


def people_grid(counts: Sequence[Sequence[int]]) -> list[list[Cell]]:
    """A table of people counts whose rows and columns add up, extended with a totals column and
    a totals row, every count under 5 and whatever would reveal it hidden."""
    if not counts or not counts[0]:
        return []
    table = extended_table(counts)
    suppression = suppress_table(table)
    return [
        [
            Cell(None, state) if (state := suppression.state((i, j))) else Cell(value)
            for j, value in enumerate(line)
        ]
        for i, line in enumerate(table)
    ]


def _rate(numerator: int, denominator: int) -> Cell:
    return Cell(numerator / denominator if denominator else 0.0, kind="rate")


def _ratio(numerator: int, denominator: int) -> Cell:
    return Cell(numerator / denominator if denominator else 0.0, kind="ratio")


def _got(found: dict[Any, Any], key: Any, name: str) -> int:
    """`found[key][name]` of grouped rows, 0 when the group has no row."""
    return int(found.get(key, {}).get(name, 0))


def _month_rows(months: Sequence[dt.date], cells: Sequence[Sequence[Cell]]) -> list[Row]:
    return [
        Row(wareki_month(month), tuple(line), month)
        for month, line in zip(months, cells, strict=False)
    ]


def _by_month(queryset: QuerySet[Any], field_name: str) -> QuerySet[Any]:
    return queryset.annotate(month=TruncMonth(field_name, output_field=DateField())).order_by()


# --- the figures --------------------------------------------------------------------------------


def _registrants(period: Period) -> QuerySet[Alumnus]:
    return Alumnus.objects.filter(status=AlumnusStatus.ACTIVE, registered_at__lt=period.end_at)


def _signal_months(period: Period) -> QuerySet[SignalMonthly]:
    """The kept monthly counts of the period's months (they outlive the raw signals' purge)."""
    return SignalMonthly.objects.filter(
        month__gte=period.start, month__lt=period.end, alumnus__status=AlumnusStatus.ACTIVE
    ).order_by()


def _sent(period: Period) -> QuerySet[Delivery]:
    return Delivery.objects.filter(
        status=DeliveryStatus.SENT,
        sent_at__gte=period.start_at,
        sent_at__lt=period.end_at,
        alumnus__status=AlumnusStatus.ACTIVE,
    )


def summary_table(period: Period) -> Table:
    """Registrants against the target, consent and this period's active alumni and items."""
    registrants = _registrants(period).aggregate(
        total=Count("pk"), consenting=Count("pk", filter=Q(consent_analytics=True))
    )
    total = registrants["total"]
    target = int(settings.ALUMNI_REGISTRATION_TARGET)
    active = _signal_months(period).aggregate(
        people=Count("alumnus", distinct=True),  # a period of many months
        logins=Count("alumnus", distinct=True, filter=Q(logins__gt=0)),
    )
    sent = _sent(period)
    items = sent.values("alumnus_id", "item_id").distinct().count()
    reached = sent.aggregate(people=Count("alumnus", distinct=True))["people"]
    rows = (
        Row("登録者数", (Cell(total),)),
        Row("目標", (Cell(target),)),
        Row("目標に対する割合", (_rate(total, target),)),
        # The people counts follow the tables' rule: a month's 利用した人 under 5 is 「5未満」 in
        # 月間利用者数, so it is here too.
        Row("分析に同意した登録者", (people_cell(registrants["consenting"]),)),
        Row("利用した人（同意者のうち）", (people_cell(active["people"]),)),
        Row("ログインした人（同意者のうち）", (people_cell(active["logins"]),)),
        Row("届いた項目（登録者1人あたり）", (_ratio(items, total),)),
        Row("1件以上届いた登録者", (people_cell(reached),)),
    )
    return Table(
        "summary",
        "概要",
        "項目",
        ("値",),
        rows,
        chart="",
        note=f"登録者数は{period.label}末時点。利用した人は利用状況の分析に同意した方のみを数えています。",
    )


def registrations_table(period: Period) -> Table:
    """New registrants per month of the fiscal year up to the period's end, by channel."""
    year = fiscal_year_period(fiscal_year_of(period.start))
    months = [month for month in year.months() if month < period.end]
    channels = list(RegistrationChannel)
    counts = {
        (row["month"], row["channel"]): row["n"]
        for row in _by_month(
            Alumnus.objects.filter(
                status=AlumnusStatus.ACTIVE,
                registered_at__gte=year.start_at,
                registered_at__lt=period.end_at,
            ),
            "registered_at",
        )
        .values("month", "channel")
        .annotate(n=Count("pk"))
    }
    grid = people_grid([[counts.get((m, c), 0) for c in channels] for m in months])
    rows = _month_rows(months, grid[:-1])
    rows.append(Row(TOTAL, tuple(grid[-1])))
    return Table(
        "registrations",
        f"月別の新規登録者数（経路別、{year.label}）",
        "月",
        (*(CHANNEL_LABELS[c] for c in channels), TOTAL),
        tuple(rows),
        chart="stacked",
        chart_columns=tuple(range(len(channels))),
    )


def funnel_table(period: Period) -> Table:
    """Invited → registered → active in the period, by invitation channel (cumulative)."""
    invited = dict(
        Invitation.objects.filter(issued_at__lt=period.end_at)
        .values("channel")
        .annotate(n=Count("roster_entry", distinct=True))
        .values_list("channel", "n")
    )
    registered = dict(
        _registrants(period).values("channel").annotate(n=Count("pk")).values_list("channel", "n")
    )
    active = dict(
        _signal_months(period)
        .values("alumnus__channel")
        .annotate(n=Count("alumnus", distinct=True))
        .values_list("alumnus__channel", "n")
    )
    # Those who registered without an invitation have their row too (no one invited them: 「—」),
    # so the registered column adds up to the registrants of the summary.
    rows = tuple(
        Row(
            CHANNEL_LABELS[channel],
            (
                (
                    people_cell(invited.get(channel, 0))
                    if channel in InvitationChannel
                    else Cell(None)
                ),
                people_cell(registered.get(channel, 0)),
                people_cell(active.get(channel, 0)),
            ),
        )
        for channel in RegistrationChannel
    )
    return Table(
        "funnel",
        "招待から登録・利用まで（経路別）",
        "経路",
        ("招待した人", "登録した人", f"{period.label}に利用した人"),
        rows,
        chart="bar",
        note="招待・登録は期間末までの累計。利用した人は分析に同意した方のみ。",
    )


def active_table(period: Period) -> Table:
    """Active alumni (and those who signed in) per month of the fiscal year."""
    year = fiscal_year_period(fiscal_year_of(period.start))
    months = [month for month in year.months() if month < period.end]
    found = {
        row["month"]: row
        for row in _signal_months(Period(year.start, period.end, "", "", "fiscal_year"))
        .values("month")
        .annotate(
            people=Count("alumnus"),
            logins=Count("alumnus", filter=Q(logins__gt=0)),
        )
    }
    cells = [
        [
            people_cell(_got(found, m, "people")),
            people_cell(_got(found, m, "logins")),
        ]
        for m in months
    ]
    return Table(
        "active",
        f"月間利用者数（{year.label}）",
        "月",
        ("利用した人", "ログインした人"),
        tuple(_month_rows(months, cells)),
        chart="line",
        note="利用状況の分析に同意した登録者のうち、その月に利用の記録がある人。",
    )


def items_table(period: Period) -> Table:
    """Items delivered in the period per channel, per registrant, and who received them."""
    total = _registrants(period).count()
    sent = _sent(period)
    by_channel = {
        row["channel"]: row
        for row in sent.values("channel").annotate(
            n=Count("pk"), people=Count("alumnus", distinct=True)
        )
    }
    rows = [
        Row(
            label,
            (
                Cell(_got(by_channel, channel, "n")),
                _ratio(_got(by_channel, channel, "n"), total),
                people_cell(_got(by_channel, channel, "people")),
            ),
        )
        for channel, label in ((c, c.label) for c in DELIVERY_CHANNELS)
    ]
    items = sent.values("alumnus_id", "item_id").distinct().count()
    people = sent.aggregate(people=Count("alumnus", distinct=True))["people"]
    rows.append(Row(TOTAL, (Cell(items), _ratio(items, total), people_cell(people))))
    return Table(
        "items",
        f"{period.label}に届いた項目（経路別）",
        "経路",
        ("届いた件数", "登録者1人あたり", "受け取った人"),
        tuple(rows),
        chart="column",
        chart_columns=(1,),
        note="合計は同じ項目が複数の経路で届いても1件と数えます。",
    )


def items_distribution_table(period: Period) -> Table:
    """Registrants by how many different items reached them in the period (0 = fewer than 1)."""
    in_period = Q(
        deliveries__status=DeliveryStatus.SENT,
        deliveries__sent_at__gte=period.start_at,
        deliveries__sent_at__lt=period.end_at,
    )
    buckets = (
        _registrants(period)
        .annotate(items=Count("deliveries__item", filter=in_period, distinct=True))
        .aggregate(
            none=Count("pk", filter=Q(items=0)),
            one=Count("pk", filter=Q(items=1)),
            two=Count("pk", filter=Q(items=2)),
            more=Count("pk", filter=Q(items__gte=3)),
        )
    )
    labels = ("0件（1件未満）", "1件", "2件", "3件以上")
    counts = [[buckets["none"]], [buckets["one"]], [buckets["two"]], [buckets["more"]]]
    grid = people_grid(counts)
    rows = [Row(label, (line[0],)) for label, line in zip(labels, grid, strict=False)]
    rows.append(Row(TOTAL, (grid[-1][0],)))
    return Table(
        "items_distribution",
        f"{period.label}に届いた項目数ごとの登録者数",
        "届いた項目数",
        ("登録者",),
        tuple(rows),
        chart="column",
    )


def _surveys_in(period: Period) -> QuerySet[SurveyPage]:
    return (
        SurveyPage.objects.live()
        .filter(first_published_at__lt=period.end_at)
        .filter(Q(closes_at__isnull=True) | Q(closes_at__gte=period.start_at))
        .filter(Q(opens_at__isnull=True) | Q(opens_at__lt=period.end_at))
        .order_by("first_published_at", "pk")
    )


def surveys_table(period: Period) -> Table:
    """Each survey open during the period: its audience, responses and response rate."""
    surveys = list(_surveys_in(period).prefetch_related("audience_groups"))
    responses = dict(
        SurveyResponse.objects.filter(survey__in=surveys, submitted_at__lt=period.end_at)
        .values("survey")
        .annotate(n=Count("pk"))
        .values_list("survey", "n")
    )
    rows = []
    for survey in surveys:
        audience = survey_audience(survey=survey).count()
        answered = responses.get(survey.pk, 0)
        shown = answered >= SMALL_CELL
        rows.append(
            Row(
                survey.title,
                (
                    people_cell(audience),
                    people_cell(answered),
                    _rate(answered, audience) if shown else Cell(None, "below", "rate"),
                ),
            )
        )
    return Table(
        "surveys",
        "アンケートの回答率",
        "アンケート",
        ("対象者", "回答者", "回答率"),
        tuple(rows),
        chart="bar",
        chart_columns=(2,),
        note="期間中に受付中だったアンケート。回答者が5人未満のときは回答率も表示しません。",
    )


def chat_table(period: Period) -> Table:
    """Community group posts per month: messages, groups with posts, people who posted."""
    year = fiscal_year_period(fiscal_year_of(period.start))
    months = (
        [period.start]
        if period.kind == "month"
        else [month for month in year.months() if month < period.end]
    )
    found = {
        row["month"]: row
        for row in _by_month(
            Message.objects.filter(
                created_at__gte=period.start_at,
                created_at__lt=period.end_at,
                deleted_at__isnull=True,
            ),
            "created_at",
        )
        .values("month")
        .annotate(
            messages=Count("pk"),
            groups=Count("group", distinct=True),
            people=Count("author", distinct=True),
        )
    }
    cells = [
        [
            Cell(_got(found, m, "messages")),
            Cell(_got(found, m, "groups")),
            people_cell(_got(found, m, "people")),
        ]
        for m in months
    ]
    return Table(
        "chat",
        "交流グループの活動",
        "月",
        ("投稿数", "投稿のあったグループ", "投稿した人"),
        tuple(_month_rows(months, cells)),
        chart="column",
        chart_columns=(0, 1),
    )


def _comeback_counts() -> tuple[dict[str, int], int] | None:
    """The estimate's bands and closing windows, or None while cms.comeback is not built."""
    if not apps.is_installed("cms.comeback"):  # the estimate (issue #15) may not be installed
        return None
    try:
        comeback = importlib.import_module("cms.comeback.selectors")
    except ImportError:
        return None
    return comeback.comeback_band_counts(), comeback.window_closing_within(days=365)


def comeback_table(period: Period) -> Table:
    """Latest estimate of the comeback exam by band; eligible alumni whose window closes soon."""
    found = _comeback_counts()
    if found is None:
        return Table(
            "comeback",
            "カムバック推計",
            "区分",
            ("人数",),
            (),
            chart="",
            note=COMEBACK_MISSING,
        )
    bands, closing = found
    keys = list(BAND_LABELS)
    grid = people_grid([[int(bands.get(key, 0))] for key in keys])
    rows = [Row(BAND_LABELS[key], (line[0],)) for key, line in zip(keys, grid, strict=False)]
    rows.append(Row(TOTAL, (grid[-1][0],)))
    rows.append(Row("1年以内に受験資格の期限が来る人", (people_cell(int(closing)),)))
    return Table(
        "comeback",
        "カムバック推計（最新の推計の区分別）",
        "区分",
        ("人数",),
        tuple(rows),
        chart="column",
        note="推計は作成時点の最新のもの。選考には使いません。",
    )


# --- the completion report's extra tables -------------------------------------------------------


def deliveries_table(period: Period) -> Table:
    """Deliveries sent per month by channel, and the people they reached."""
    months = period.months()
    found: dict[tuple[dt.date, str], int] = {}
    people: dict[dt.date, int] = {}
    for row in (
        _by_month(_sent(period), "sent_at").values("month", "channel").annotate(n=Count("pk"))
    ):
        found[(row["month"], row["channel"])] = row["n"]
    for row in (
        _by_month(_sent(period), "sent_at")
        .values("month")
        .annotate(n=Count("alumnus", distinct=True))
    ):
        people[row["month"]] = row["n"]
    cells = [
        [*(Cell(found.get((m, c), 0)) for c in DELIVERY_CHANNELS), people_cell(people.get(m, 0))]
        for m in months
    ]
    return Table(
        "deliveries",
        f"月別の配信数（経路別、{period.label}）",
        "月",
        (*(c.label for c in DELIVERY_CHANNELS), "受け取った人"),
        tuple(_month_rows(months, cells)),
        chart="stacked",
        chart_columns=(0, 1, 2),
    )


def activities_table(period: Period) -> Table:
    """What HR did each month: notices and surveys published, invitations issued by channel."""
    months = period.months()

    def monthly(queryset: QuerySet[Any], field_name: str) -> dict[dt.date, int]:
        return dict(
            _by_month(queryset, field_name)
            .values("month")
            .annotate(n=Count("pk"))
            .values_list("month", "n")
        )

    window = {"first_published_at__gte": period.start_at, "first_published_at__lt": period.end_at}
    notices = monthly(NoticePage.objects.filter(**window), "first_published_at")
    surveys = monthly(SurveyPage.objects.filter(**window), "first_published_at")
    invited = {
        (row["month"], row["channel"]): row["n"]
        for row in _by_month(
            Invitation.objects.filter(issued_at__gte=period.start_at, issued_at__lt=period.end_at),
            "issued_at",
        )
        .values("month", "channel")
        .annotate(n=Count("pk"))
    }
    channels = list(InvitationChannel)
    grid = people_grid([[invited.get((m, c), 0) for c in channels] for m in months])
    cells = [
        [Cell(notices.get(m, 0)), Cell(surveys.get(m, 0)), *line[: len(channels)]]
        for m, line in zip(months, grid, strict=False)
    ]
    rows = _month_rows(months, cells)
    rows.append(
        Row(
            TOTAL,
            (
                Cell(sum(notices.values())),
                Cell(sum(surveys.values())),
                *grid[-1][: len(channels)],
            ),
        )
    )
    return Table(
        "activities",
        f"実施した取組（{period.label}）",
        "月",
        ("お知らせの公開", "アンケートの公開", *(f"招待（{c.label}）" for c in channels)),
        tuple(rows),
        chart="column",
    )


def security_table(period: Period) -> Table:
    """The contract's security items: the audit log by operation, deletions and incidents."""
    actions = dict(
        AuditLogEntry.objects.filter(at__gte=period.start_at, at__lt=period.end_at)
        .values("action")
        .annotate(n=Count("pk"))
        .values_list("action", "n")
    )
    deletions = AccountDeletion.objects.filter(
        deleted_at__gte=period.start_at, deleted_at__lt=period.end_at
    ).count()
    incidents = Incident.objects.filter(
        occurred_on__gte=period.start, occurred_on__lt=period.end
    ).count()
    rows = [
        Row(f"監査ログ: {action.label}", (Cell(actions.get(action, 0)),)) for action in AuditAction
    ]
    rows += [
        Row("監査ログ: 合計", (Cell(sum(actions.values())),)),
        Row("個人データの出力", (Cell(actions.get(AuditAction.EXPORT, 0)),)),
        Row("退会による削除", (Cell(deletions),)),
        Row("記録されたセキュリティ事故", (Cell(incidents),)),
    ]
    return Table(
        "security",
        f"セキュリティ（{period.label}）",
        "項目",
        ("件数",),
        tuple(rows),
        chart="bar",
        note="監査ログは職員による個人データの閲覧・出力などの記録。事故は管理画面で人事課が記録したもの。",
    )


MONTHLY_TABLES: tuple[Callable[[Period], Table], ...] = (
    summary_table,
    registrations_table,
    funnel_table,
    active_table,
    items_table,
    items_distribution_table,
    surveys_table,
    chat_table,
    comeback_table,
)
FISCAL_YEAR_TABLES: tuple[Callable[[Period], Table], ...] = (
    summary_table,
    registrations_table,
    funnel_table,
    active_table,
    deliveries_table,
    surveys_table,
    chat_table,
    activities_table,
    comeback_table,
    security_table,
)


def month_figures(period: Period) -> Figures:
    """Every figure of one month (the dashboard and the monthly report)."""
    return Figures(period, tuple(make(period) for make in MONTHLY_TABLES), timezone.now())


def fiscal_year_figures(period: Period) -> Figures:
    """Every figure of one fiscal year (the completion report), with the year's incidents."""
    incidents = tuple(
        Incident.objects.filter(occurred_on__gte=period.start, occurred_on__lt=period.end).order_by(
            "occurred_on", "pk"
        )
    )
    return Figures(
        period, tuple(make(period) for make in FISCAL_YEAR_TABLES), timezone.now(), incidents
    )
