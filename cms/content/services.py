"""Writes of the content domain: what the static build reports back once its files are live."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import BuildFailure, NoticePage


@dataclass(frozen=True)
class PageFailure:
    """A page a build could not render."""

    page_id: int
    path: str
    reason: str
    kept_previous: bool


def build_failures_record(*, failures: Iterable[PageFailure]) -> None:
    """The pages that failed in the last build, replacing the previous list: a page that rendered
    again (or left the site) is no longer listed; one still failing keeps its first date."""
    now = timezone.now()
    by_page: Mapping[int, PageFailure] = {f.page_id: f for f in failures}
    with transaction.atomic():
        BuildFailure.objects.exclude(page_id__in=list(by_page)).delete()
        existing = set(
            BuildFailure.objects.filter(page_id__in=list(by_page)).values_list("page_id", flat=True)
        )
        for failure in by_page.values():
            fields = {
                "path": failure.path,
                "reason": failure.reason,
                "last_seen": now,
                "kept_previous": failure.kept_previous,
            }
            if failure.page_id in existing:
                BuildFailure.objects.filter(page_id=failure.page_id).update(**fields)
            else:
                BuildFailure.objects.create(page_id=failure.page_id, since=now, **fields)


def notices_went_live(*, notice_ids: Iterable[int]) -> list[int]:
    """A build made these notices (a new revision of each) live: their fan-out starts now, never
    before the page its push and mail link to exists. Returns the notices whose fan-out was
    queued. With builds not following publishes (PWA_BUILD_ON_PUBLISH off) the publish itself
    queues the fan-out (cms.push.signals) and nothing is queued here."""
    if not settings.PWA_BUILD_ON_PUBLISH:
        return []
    from cms.push.tasks import notice_fan_out_task

    ids = list(
        NoticePage.objects.live()
        .filter(pk__in=list(notice_ids), notify_alumni=True)
        .values_list("pk", flat=True)
    )
    for notice_id in ids:
        transaction.on_commit(partial(notice_fan_out_task.enqueue, notice_id))
    return ids
