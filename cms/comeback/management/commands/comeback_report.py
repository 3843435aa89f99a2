"""`manage.py comeback_report --season YYYY --out DIR`: the latest model fitted on that season:
its metrics (JSON, and the reliability bins as CSV in UTF-8 with BOM) and its reliability
diagram (PNG)."""

import csv
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cms.comeback.models import ModelKind, ModelVersion

POLICY = "推計は情報提供の優先付けのためのもので、選考には用いません"


def _cell(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


class Command(BaseCommand):
    help = "指定した年度で学習した最新の推計モデルの評価指標と信頼性図を出力します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--season", type=int, required=True, help="年度（例: 2026）")
        parser.add_argument("--out", required=True, help="出力先のフォルダ")

    def handle(self, *args: Any, **options: Any) -> None:
        version = (
            ModelVersion.objects.filter(kind=ModelKind.FITTED, season__year=options["season"])
            .select_related("season")
            .order_by("-created_at")
            .first()
        )
        if version is None:
            raise CommandError(
                f"{options['season']}年度で学習した推計モデルがありません"
                f"（先に manage.py comeback_fit --season {options['season']}）。"
            )
        out = Path(options["out"])
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CommandError(f"出力先のフォルダを作れません: {error.strerror}") from None
        stem = f"comeback_{options['season']}_model{version.pk}"
        report = {
            "policy": POLICY,
            "model_version": version.pk,
            "label": version.label,
            "is_active": version.is_active,
            "created_at": version.created_at.isoformat(),
            "metrics": version.metrics,
            "coefficients": version.coefficients,
        }
        (out / f"{stem}_metrics.json").write_text(
            json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        with (out / f"{stem}_reliability.csv").open("w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["区間の下限", "区間の上限", "人数", "推計の平均", "実際の応募割合"])
            for b in version.metrics.get("reliability", []):
                writer.writerow(
                    [
                        b["lower"],
                        b["upper"],
                        b["n"],
                        _cell(b["mean_predicted"]),
                        _cell(b["observed"]),
                    ]
                )
            writer.writerow([])
            writer.writerow([POLICY])
        (out / f"{stem}_reliability.png").write_bytes(bytes(version.reliability_png or b""))
        self.stdout.write(f"{version.label} の評価を {out} に出力しました（{stem}_*）。")
