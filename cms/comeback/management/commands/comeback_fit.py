"""`manage.py comeback_fit --season YYYY`: fit a model on that season's outcomes (inactive)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cms.comeback.fitting import FitError
from cms.comeback.services import comeback_fit


class Command(BaseCommand):
    help = (
        "指定した年度の応募結果で推計モデルを学習し、評価指標とともに保存します"
        "（使用中にするのは人事課が指標を確かめてから）。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--season", type=int, required=True, help="年度（例: 2026）")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            version = comeback_fit(season_year=options["season"])
        except FitError as refused:
            raise CommandError(refused.message) from None
        metrics = version.metrics
        self.stdout.write(
            f"推計モデル #{version.pk} を保存しました（{version.label}、未使用）: "
            f"対象 {metrics['n']} 人、応募 {metrics['positives']} 人、"
            f"Brier {metrics['brier']:.4f}（スキル {metrics['brier_skill']:.3f}）、"
            f"ECE {metrics['ece']:.4f}、AUC {metrics['auc']:.3f}"
        )
