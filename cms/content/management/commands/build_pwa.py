"""`manage.py build_pwa [--full] [--today DATE]`: builds the static PWA into dist/ (incremental by
default; run daily so that job statuses follow the date)."""

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from pwa_build import site_files
from pwa_build.build import build


class Command(BaseCommand):
    help = "公開中のコンテンツから PWA を dist/ に書き出します（既定は差分ビルド）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--full", action="store_true", help="すべてのファイルを作り直す")
        parser.add_argument("--dist", type=Path, help="出力先（既定: settings.PWA_DIST_DIR）")
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            metavar="YYYY-MM-DD",
            help="求人の募集状況を判定する日（既定: 今日、Asia/Tokyo）",
        )
        parser.add_argument(
            "--netlify-toml",
            type=Path,
            metavar="PATH",
            help="build せずに、_headers と同じヘッダーの netlify.toml を PATH に書く",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["netlify_toml"]:
            options["netlify_toml"].write_text(site_files.netlify_toml())
            return
        quiet = options["verbosity"] == 0
        bar: tqdm[Any] | None = None

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if quiet:
                return
            if bar is None:
                bar = tqdm(total=total, unit="file", desc="build", file=self.stderr._out)
            bar.update(done - bar.n)

        report = build(
            full=options["full"], dist=options["dist"], progress=progress, today=options["today"]
        )
        if bar is not None:
            bar.close()
        if not quiet:
            self.stdout.write(self.style.SUCCESS(report.summary()))
