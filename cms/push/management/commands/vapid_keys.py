"""`manage.py vapid_keys`: make the VAPID key pair once (kept in the database, never in git)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cms.push.services import vapid_key_create


class Command(BaseCommand):
    help = "Web プッシュ用の VAPID 鍵を作成します（既にあれば何もしません）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--replace",
            action="store_true",
            help="鍵を作り直します（既存の購読はすべて無効になります）。",
        )

    def handle(self, *args: Any, replace: bool = False, **options: Any) -> None:
        key, created = vapid_key_create(replace=replace)
        verb = "作成しました" if created else "作成済みです"
        self.stdout.write(f"VAPID 鍵を{verb}。公開鍵: {key.public_key}")
