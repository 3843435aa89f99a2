"""`manage.py import_roster FILE [--dry-run]`: HR's roster file into the database, all or nothing."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from cms.alumni.roster import RosterFileError, roster_file_read
from cms.alumni.services import RosterInvalid, roster_import


class Command(BaseCommand):
    help = "名簿ファイル（CSV: UTF-8 / Shift_JIS、XLSX）を取り込みます。誤りのある行があれば何も書き込みません。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="確認だけ行い、書き込みません。")

    def handle(self, *args: Any, file: Path, dry_run: bool, **options: Any) -> None:
        try:
            content = file.read_bytes()
        except OSError as error:
            raise CommandError(f"ファイルを読めません: {file} ({error.strerror})") from None
        try:
            roster = roster_file_read(filename=file.name, content=content)
        except RosterFileError as error:
            raise CommandError(str(error)) from None
        try:
            with tqdm(
                total=len(roster.rows), unit="行", disable=options["verbosity"] == 0 or None
            ) as bar:
                result = roster_import(roster=roster, dry_run=dry_run, progress=bar.update)
        except RosterInvalid as error:
            for line, reason in error.errors:
                self.stderr.write(f"{line} 行目: {reason}")
            raise CommandError(error.message) from None
        prefix = "（確認のみ・書き込みなし）" if dry_run else ""
        self.stdout.write(
            f"{prefix}新規 {result.created} 件、更新 {result.updated} 件、変更なし {result.unchanged} 件"
        )
