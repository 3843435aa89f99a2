"""`manage.py completion_report --fiscal-year YYYY --out DIR`: the year's PDF, XLSX and CSVs."""

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from cms.reports.commands import JapaneseArgumentsCommand, require
from cms.reports.periods import PeriodError, parse_fiscal_year
from cms.reports.services import completion_report_write


class Command(JapaneseArgumentsCommand):
    help = "業務完了報告書（PDF）と同じ表の XLSX・CSV を作成します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--fiscal-year", help="対象の年度（西暦4桁、例: 2026 は令和8年度）")
        parser.add_argument("--out", type=Path, help="書き出すフォルダ")

    def handle(self, *args: Any, fiscal_year: str | None, out: Path | None, **options: Any) -> None:
        text = require(fiscal_year, "年度（--fiscal-year）")
        if out is None:
            raise CommandError("書き出すフォルダを --out で指定してください。", returncode=2)
        try:
            period = parse_fiscal_year(text)
        except PeriodError as error:
            raise CommandError(str(error), returncode=2) from None
        try:
            paths = completion_report_write(period=period, out_dir=out)
        except OSError as error:
            raise CommandError(f"書き出せません: {out}（{error.strerror}）") from None
        for path in paths:
            self.stdout.write(f"{period.label}の業務完了報告: {path}")
