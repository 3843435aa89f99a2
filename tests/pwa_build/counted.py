"""A build that counts what it renders and which notices it reads in full: run in this process or
as a fresh one (`python -m tests.pwa_build.counted [--full] [--workers N]`, printing its figures as
JSON; `in_a_fresh_process`)."""

import argparse
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

FULL_NOTICE_READ = re.compile(r'"page_ptr_id" IN \((\d+(?:, \d+)*)\)')


def counted_build(**options: Any) -> dict[str, Any]:
    """Builds (`pwa_build.build.build(**options)`); returns the report's files, the pages of the
    tree rendered (by path) and the notices whose list entries were read in full (by pk)."""
    from pwa_build.build import build
    from pwa_build.render import Renderer

    rendered: Counter[str] = Counter()
    page = Renderer.page

    def counting(self: Renderer, page_object: Any, entry: Any) -> bytes:
        rendered[entry.path] += 1
        return page(self, page_object, entry)

    with pytest.MonkeyPatch.context() as patch, CaptureQueriesContext(connection) as queries:
        patch.setattr(Renderer, "page", counting)
        report = build(**options)
    read_in_full: list[int] = []
    for query in queries:
        sql = query["sql"]
        if '"content_noticepage"' in sql and '"last_published_at"' in sql:
            found = FULL_NOTICE_READ.search(sql)
            read_in_full += [int(pk) for pk in found.group(1).split(", ")] if found else [-1]
    return {
        "full": report.full,
        "written": sorted(report.written),
        "unchanged": report.unchanged,
        "removed": sorted(report.removed),
        "rendered": dict(rendered),
        "read_in_full": sorted(read_in_full),
    }


def in_a_fresh_process(dist: Path, *options: str) -> dict[str, Any]:
    """`counted_build` into `dist` in a new Python process on the test database (what the test
    wrote must be committed); its figures."""
    from tests.push.conftest import database_url

    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "cms.settings.test",
        "DATABASE_URL": database_url(),
        "PWA_DIST_DIR": str(dist),
    }
    done = subprocess.run(
        [sys.executable, "-m", "tests.pwa_build.counted", *options],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


if __name__ == "__main__":
    import django

    parser = argparse.ArgumentParser()
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--workers", type=int)
    arguments = parser.parse_args()
    django.setup()
    print(json.dumps(counted_build(full=arguments.full, workers=arguments.workers)))
