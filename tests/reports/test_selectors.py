"""Every figure of the seeded month against a direct query on the database."""

import datetime as dt
import sys

import pytest
from django.db.models import Count, Q

from cms.alumni.models import Alumnus, AlumnusStatus, Invitation
from cms.analytics.models import Signal, SignalType
from cms.groups.chat.models import Message
from cms.push.models import Delivery, DeliveryStatus
from cms.reports.periods import month_period
from cms.reports.selectors import BELOW_SMALL, COMEBACK_MISSING, month_figures, people_grid
from cms.surveys.models import SurveyResponse

from .conftest import SeededMonth


def _registrants(end: dt.datetime) -> "list[Alumnus]":
    return list(Alumnus.objects.filter(status=AlumnusStatus.ACTIVE, registered_at__lt=end))


def test_summary_figures_equal_direct_queries(seeded: SeededMonth) -> None:
    period = seeded.period
    table = month_figures(period).table("summary")
    registrants = _registrants(period.end_at)
    signals = Signal.objects.filter(occurred_at__gte=period.start_at, occurred_at__lt=period.end_at)
    sent = Delivery.objects.filter(
        status=DeliveryStatus.SENT, sent_at__gte=period.start_at, sent_at__lt=period.end_at
    )
    assert table.value("登録者数", "値") == len(registrants) == 21
    assert table.value("目標", "値") == 50
    assert table.value("目標に対する割合", "値") == len(registrants) / 50
    assert table.value("分析に同意した登録者", "値") == sum(
        a.consent_analytics for a in registrants
    )
    assert table.value("利用した人（同意者のうち）", "値") == len({s.alumnus_id for s in signals})
    assert table.value("ログインした人（同意者のうち）", "値") == len(
        {s.alumnus_id for s in signals if s.type == SignalType.LOGIN}
    )
    pairs = {(d.alumnus_id, d.item_id) for d in sent}
    assert table.value("届いた項目（登録者1人あたり）", "値") == len(pairs) / len(registrants)
    assert table.value("1件以上届いた登録者", "値") == len({d.alumnus_id for d in sent})


def test_funnel_counts_invited_registered_and_active_by_channel(seeded: SeededMonth) -> None:
    period = seeded.period
    table = month_figures(period).table("funnel")
    for channel, label in (("email", "メールでの招待"), ("letter", "郵送での招待")):
        invited = (
            Invitation.objects.filter(channel=channel, issued_at__lt=period.end_at)
            .values("roster_entry")
            .distinct()
            .count()
        )
        registered = [a for a in _registrants(period.end_at) if a.channel == channel]
        active = (
            Signal.objects.filter(
                alumnus__channel=channel,
                occurred_at__gte=period.start_at,
                occurred_at__lt=period.end_at,
            )
            .values("alumnus")
            .distinct()
            .count()
        )
        shown = [table.value(label, column) for column in table.columns]
        expected = [n if n >= 5 else None for n in (invited, len(registered), active)]
        assert shown == expected
    assert table.value("メールでの招待", "招待した人") == 15  # the November invitations not counted
    assert table.rows[1].cells[2].text == BELOW_SMALL  # 3 letter alumni active


def test_funnel_has_a_row_for_those_registered_without_an_invitation(seeded: SeededMonth) -> None:
    table = month_figures(seeded.period).table("funnel")
    assert [row.label for row in table.rows] == [
        "メールでの招待",
        "郵送での招待",
        "その他（招待なし）",
    ]
    uninvited = table.rows[2]
    assert [cell.text for cell in uninvited.cells] == ["—", BELOW_SMALL, BELOW_SMALL]  # 2 open
    # The registered column holds every registrant of the summary (12 + 7 + 2).
    assert len(_registrants(seeded.period.end_at)) == 12 + 7 + len(seeded.open)


def test_registrations_by_month_and_channel(seeded: SeededMonth) -> None:
    table = month_figures(seeded.period).table("registrations")
    assert [row.label for row in table.rows][-3:] == ["令和8年9月", "令和8年10月", "合計"]
    assert table.value("合計", "合計") == 21
    # 12 by e-mail in October beside 2 by other channels: shown cells cannot reveal the 2, and
    # the 12 (all of the year's e-mail registrants) is hidden in 合計 too, and so the 7 by letter
    # of September (test_suppression).
    october = table.rows[-2]
    assert october.cells[2].text == BELOW_SMALL
    assert not october.cells[0].shown
    assert table.value("合計", "メールでの招待") is None


def test_active_alumni_per_month_of_the_fiscal_year(seeded: SeededMonth) -> None:
    table = month_figures(seeded.period).table("active")
    assert table.value("令和8年10月", "利用した人") == 11
    assert table.value("令和8年10月", "ログインした人") == 8
    assert table.rows[5].cells[0].text == BELOW_SMALL  # September: one login


def test_items_received_by_channel_and_who_received_none(seeded: SeededMonth) -> None:
    period = seeded.period
    figures = month_figures(period)
    items = figures.table("items")
    sent = Delivery.objects.filter(
        status=DeliveryStatus.SENT, sent_at__gte=period.start_at, sent_at__lt=period.end_at
    )
    by_channel = dict(sent.values("channel").annotate(n=Count("pk")).values_list("channel", "n"))
    registrants = len(_registrants(period.end_at))
    assert items.value("プッシュ通知", "届いた件数") == by_channel["push"] == 10
    assert items.value("メール", "届いた件数") == by_channel["email"] == 13
    assert items.value("メール", "登録者1人あたり") == 13 / registrants
    assert items.rows[2].cells[2].text == BELOW_SMALL  # nobody by the digest
    distribution = figures.table("items_distribution")
    received = {
        a: 0
        for a in Alumnus.objects.filter(
            status=AlumnusStatus.ACTIVE, registered_at__lt=period.end_at
        ).values_list("pk", flat=True)
    }
    for alumnus_id, _item in {(d.alumnus_id, d.item_id) for d in sent}:
        received[alumnus_id] += 1
    none = sum(1 for n in received.values() if n == 0)
    assert none == 5
    cells = people_grid([[none], [11], [5], [0]])
    assert [row.cells[0].text for row in distribution.rows] == [line[0].text for line in cells]


def test_survey_response_rate(seeded: SeededMonth) -> None:
    table = month_figures(seeded.period).table("surveys")
    responses = SurveyResponse.objects.filter(survey=seeded.survey).count()
    audience = Alumnus.objects.filter(status=AlumnusStatus.ACTIVE).count()
    assert table.value("働き方アンケート", "回答者") == responses == 7
    assert table.value("働き方アンケート", "対象者") == audience
    assert table.value("働き方アンケート", "回答率") == responses / audience


def test_chat_activity_counts_posts_groups_and_hides_few_posters(seeded: SeededMonth) -> None:
    period = seeded.period
    table = month_figures(period).table("chat")
    messages = Message.objects.filter(
        created_at__gte=period.start_at, created_at__lt=period.end_at, deleted_at__isnull=True
    )
    assert table.value("令和8年10月", "投稿数") == messages.count() == 7
    assert table.value("令和8年10月", "投稿のあったグループ") == 2
    assert table.rows[0].cells[2].text == BELOW_SMALL  # 4 people posted


def test_comeback_figures_read_the_estimates_selectors(seeded: SeededMonth) -> None:
    from cms.comeback.selectors import comeback_band_counts, window_closing_within

    table = month_figures(seeded.period).table("comeback")
    bands = comeback_band_counts()
    keys = ["high", "medium", "low", "ineligible", "no_consent"]
    expected = people_grid([[bands[key]] for key in keys])
    assert [row.cells[0].text for row in table.rows[:-1]] == [line[0].text for line in expected]
    closing = window_closing_within(days=365)
    assert table.rows[-1].label == "1年以内に受験資格の期限が来る人"
    assert table.rows[-1].cells[0].value == (closing if closing >= 5 else None)


def test_comeback_figures_say_when_the_estimate_is_not_built(
    seeded: SeededMonth, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A site without the estimate's module (issue #15 not installed) still makes its reports."""
    monkeypatch.setitem(sys.modules, "cms.comeback.selectors", None)  # import raises ImportError
    table = month_figures(seeded.period).table("comeback")
    assert table.rows == ()
    assert table.note == COMEBACK_MISSING


def test_a_month_without_data_gives_zeros(db: None) -> None:
    figures = month_figures(month_period(dt.date(2021, 6, 1)))
    summary = figures.table("summary")
    assert summary.value("登録者数", "値") == 0
    assert summary.value("届いた項目（登録者1人あたり）", "値") == 0
    assert figures.table("surveys").rows == ()
    assert all(
        cell.text in {"0", BELOW_SMALL, "0.00", "0.0%", "—"}  # —: nobody invites the uninvited
        for table in figures.tables
        for row in table.rows
        for cell in row.cells
        if table.key != "summary"
    )


def test_every_people_breakdown_hides_cells_under_five(seeded: SeededMonth) -> None:
    """No shown cell of a people column counts 1–4 (the people columns of each table)."""
    people = {
        "registrations": (0, 1, 2, 3),
        "funnel": (0, 1, 2),
        "active": (0, 1),
        "items": (2,),
        "items_distribution": (0,),
        "surveys": (0, 1),
        "chat": (2,),
        "comeback": (0,),
    }
    figures = month_figures(seeded.period)
    for key, columns in people.items():
        for row in figures.table(key).rows:
            for column in columns:
                cell = row.cells[column]
                assert not cell.shown or cell.value >= 5, (key, row.label, column)


def test_pending_and_later_registrants_are_not_counted(seeded: SeededMonth) -> None:
    assert Alumnus.objects.filter(status=AlumnusStatus.PENDING).count() == 1
    assert Alumnus.objects.filter(~Q(status=AlumnusStatus.PENDING)).count() == 24
    assert month_figures(seeded.period).table("summary").value("登録者数", "値") == 21


def test_a_fiscal_years_active_people_are_counted_once_however_many_months(
    seeded: SeededMonth,
) -> None:
    from cms.reports.periods import fiscal_year_of, fiscal_year_period
    from cms.reports.selectors import fiscal_year_figures

    year = fiscal_year_period(fiscal_year_of(seeded.period.start))
    signals = Signal.objects.filter(occurred_at__gte=year.start_at, occurred_at__lt=year.end_at)
    months_of: dict[int, set[tuple[int, int]]] = {}
    for signal in signals:
        months_of.setdefault(signal.alumnus_id, set()).add(
            (signal.occurred_at.year, signal.occurred_at.month)
        )
    assert any(len(months) > 1 for months in months_of.values())  # someone active twice
    table = fiscal_year_figures(year).table("summary")
    assert table.value("利用した人（同意者のうち）", "値") == len(months_of)
    assert table.value("ログインした人（同意者のうち）", "値") == len(
        {s.alumnus_id for s in signals if s.type == SignalType.LOGIN}
    )
