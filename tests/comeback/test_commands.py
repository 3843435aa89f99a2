"""The commands scripts depend on: comeback_scores, comeback_fit, comeback_report and the demo."""

import csv
import datetime as dt
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from cms.alumni.models import Alumnus, RegistrationChannel
from cms.comeback import demo
from cms.comeback.models import Estimate, ModelKind, ModelVersion, Season
from cms.comeback.selectors import comeback_band_counts, current_season
from cms.comeback.simulation import cohort_simulate, season_of_year
from cms.reports.periods import month_period
from cms.reports.selectors import month_figures
from tests.alumni.factories import AlumnusFactory

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_comeback_scores_writes_todays_estimates() -> None:
    AlumnusFactory(
        consent_analytics=True,
        hired_on=dt.date(2012, 4, 1),
        retired_on=dt.date(2022, 3, 31),
    )
    assert "1 人分" in _run("comeback_scores")
    assert Estimate.objects.get().probability is not None


def test_fit_then_report_writes_metrics_csv_and_the_diagram(tmp_path: Path) -> None:
    cohort_simulate(season=season_of_year(2026), n=500, seed=7, base_rate=0.1)
    assert "未使用" in _run("comeback_fit", "--season", "2026")
    _run("comeback_report", "--season", "2026", "--out", str(tmp_path))
    version = ModelVersion.objects.get(kind=ModelKind.FITTED)
    stem = tmp_path / f"comeback_2026_model{version.pk}"
    report = json.loads(Path(f"{stem}_metrics.json").read_text(encoding="utf-8"))
    assert report["metrics"]["brier"] == version.metrics["brier"]
    assert "選考には用いません" in report["policy"]
    raw = Path(f"{stem}_reliability.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0][0] == "区間の下限" and len(rows) == 1 + 10 + 2
    assert Path(f"{stem}_reliability.png").read_bytes().startswith(b"\x89PNG")


def test_commands_refuse_in_japanese_with_a_non_zero_exit(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="登録されていません"):
        call_command("comeback_fit", "--season", "2031")
    with pytest.raises(CommandError, match="学習した推計モデルがありません"):
        call_command("comeback_report", "--season", "2031", "--out", str(tmp_path))


def test_the_demo_has_a_season_a_fitted_active_model_and_estimates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(demo, "COHORT", 300)
    today = dt.date(2026, 11, 29)
    report = demo.demo_comeback_load(today=today)
    coming = Season.objects.get(year=2028)  # 2027's applications closed in October 2026
    assert current_season(today=today) == coming
    assert (coming.applications_open.month, coming.selection_on.month) == (10, 12)
    assert coming.appointment_on == dt.date(2028, 4, 1)
    assert report.fitted is not None and report.fitted.is_active
    assert report.fitted.season == Season.objects.get(year=2027)
    counts = comeback_band_counts()
    assert counts["high"] + counts["medium"] + counts["low"] > 50
    # The simulated people were never invited: registered without an invitation (approved by
    # HR), not "by e-mail invitation" with no invitation behind it.
    assert not Alumnus.objects.exclude(channel=RegistrationChannel.OPEN).exists()
    funnel = month_figures(month_period(timezone.localdate())).table("funnel")
    assert funnel.value("メールでの招待", "登録した人") is None  # none: fewer than 5 shown so
    assert funnel.value("その他（招待なし）", "登録した人") == Alumnus.objects.count()
    again = demo.demo_comeback_load(today=today)
    assert again.simulated == 0 and ModelVersion.objects.filter(kind=ModelKind.FITTED).count() == 1
