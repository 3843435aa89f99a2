"""Background work of the content domain: rebuilding the static PWA after an editor's change."""

import logging

from django.tasks import task

logger = logging.getLogger(__name__)

FILES_LISTED = 50
"""The result names at most this many written files (all of them after a publish)."""


@task(queue_name="pwa")
def build_pwa_task(reason: str = "") -> dict[str, object]:
    """Incremental build of dist/: only the files whose content changed are written."""
    from pwa_build.build import build

    report = build()
    logger.info("PWA rebuilt (%s): %s", reason or "requested", report.summary())
    return {
        "full": report.full,
        "written": len(report.written),
        "files": report.written[:FILES_LISTED],
        "unchanged": report.unchanged,
        "removed": len(report.removed),
        "seconds": round(report.seconds, 3),
    }
