"""`manage.py load_demo_comeback`: seasons, simulated past outcomes, a fitted active model and
today's estimates for the demo (idempotent)."""

from typing import Any

from django.core.management.base import BaseCommand

from cms.comeback.demo import demo_comeback_load


class Command(BaseCommand):
    help = (
        "カムバック推計のデモ: 次の募集年度、前年度の応募結果（シミュレーション）、"
        "学習済みモデル（使用中）と今日の推計を用意します（2回目以降は推計の再計算のみ）。"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = demo_comeback_load()
        assert report.coming is not None and report.past is not None
        self.stdout.write(
            f"募集年度: {report.coming}（申込 {report.coming.applications_open:%m/%d}〜"
            f"{report.coming.applications_close:%m/%d}、選考 {report.coming.selection_on:%m/%d}、"
            f"採用 {report.coming.appointment_on:%Y/%m/%d}）"
        )
        if report.simulated:
            self.stdout.write(
                f"{report.past} の応募結果: デモ用の架空の元職員 {report.simulated} 名で作成"
            )
        if report.fitted is not None:
            metrics = report.fitted.metrics
            self.stdout.write(
                f"推計モデル: {report.fitted.label}（Brier {metrics['brier']:.4f}、"
                f"ECE {metrics['ece']:.4f}、AUC {metrics['auc']:.3f}）"
                + ("を使用中にしました" if report.activated else "")
            )
        self.stdout.write(f"今日の推計: {report.estimates} 人分")
        for problem in report.problems:
            self.stdout.write(f"  {problem}")
