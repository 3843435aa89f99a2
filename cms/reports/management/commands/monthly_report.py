"""`manage.py monthly_report --month YYYY-MM --out DIR [--mail]`: the month's XLSX and CSVs.

Without `--month`, last month (the scheduler runs it on the 1st); `--mail` also sends the files
to the staff of HR's roles."""

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from cms.reports.commands import JapaneseArgumentsCommand
from cms.reports.periods import PeriodError, month_period, parse_month
from cms.reports.services import monthly_report_mail, monthly_report_write


class Command(JapaneseArgumentsCommand):
    help = "月次報告（XLSX、CSV UTF-8、CSV CP932）を作成します。--mail で人事課の職員に送ります。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", help="対象の月（YYYY-MM）。省略すると先月。")
        parser.add_argument("--out", type=Path, help="書き出すフォルダ")
        parser.add_argument("--mail", action="store_true", help="人事課の職員にメールで送る")

    def handle(
        self, *args: Any, month: str | None, out: Path | None, mail: bool, **options: Any
    ) -> None:
        if out is None and not mail:
            raise CommandError("書き出すフォルダを --out で指定してください。", returncode=2)
        try:
            period = (
                parse_month(month)
                if month
                else month_period(timezone.localdate().replace(day=1) - dt.timedelta(days=1))
            )
        except PeriodError as error:
            raise CommandError(str(error), returncode=2) from None
        if out is not None:
            try:
                paths = monthly_report_write(period=period, out_dir=out)
            except OSError as error:
                raise CommandError(f"書き出せません: {out}（{error.strerror}）") from None
            for path in paths:
                self.stdout.write(f"{period.label}の月次報告: {path}")
        if mail:
            sent = monthly_report_mail(period=period)
            self.stdout.write(f"{period.label}の月次報告を {sent} 人に送りました。")
