"""`manage.py send_digest`: the monthly mail of the items each alumnus has not received yet."""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cms.push.services import digest_send
from cms.push.tasks import digest_send_task, task_run_again


class Command(BaseCommand):
    help = "その月のお知らせのうち、まだ届いていないものを登録者ごとにまとめてメールで送ります。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--month",
            help="対象の月（YYYY-MM）。省略時は今月。月初に前月分を送るなら --previous を使います。",
        )
        parser.add_argument("--previous", action="store_true", help="前月分を送ります。")

    def handle(
        self, *args: Any, month: str | None = None, previous: bool = False, **options: Any
    ) -> None:
        today = timezone.localdate()
        if month:
            try:
                target = dt.datetime.strptime(month, "%Y-%m").date()
            except ValueError as exc:
                raise CommandError("--month は YYYY-MM の形式で指定してください。") from exc
        elif previous:
            target = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        else:
            target = today.replace(day=1)
        report = digest_send(month=target)
        self.stdout.write(
            f"{target:%Y-%m}: {report.alumni_mailed} 人に {report.items} 件をお送りしました。"
        )
        if report.retry_at is not None:
            task_run_again(digest_send_task, report.retry_at, target.isoformat())
            self.stdout.write(
                "送れなかったメールは "
                f"{timezone.localtime(report.retry_at):%H:%M} 以降に自動で再送します。"
            )
