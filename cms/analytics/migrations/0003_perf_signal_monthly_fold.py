"""SignalMonthly, step 2 of 3: each person-month's rows folded into one (and back). Its own
migration: PostgreSQL alters no table in the transaction that changed its rows."""

from collections import defaultdict
from typing import Any

from django.db import migrations

TYPE_FIELDS = {
    "login": "logins",
    "page_view": "page_views",
    "notice_opened": "notices_opened",
    "job_viewed": "jobs_viewed",
    "survey_answered": "surveys_answered",
    "chat_active": "chat_posts",
}
VIEW_TYPES = ("page_view", "job_viewed", "notice_opened")
VIEW_FIELDS = {
    "notice": "views_notice",
    "job": "views_job",
    "press": "views_press",
    "survey": "views_survey",
    "page": "views_page",
}
# The kind of content each non-view type was recorded with (see cms.analytics.services callers).
KIND_OF_TYPE = {"login": "", "survey_answered": "survey", "chat_active": "group"}
BATCH = 5_000


def fold_rows(apps: Any, schema_editor: Any) -> None:
    """Each person-month's rows into its first row; the others go."""
    SignalMonthly = apps.get_model("analytics", "SignalMonthly")
    kept: list[Any] = []
    extra: list[int] = []
    current: Any = None
    for row in SignalMonthly.objects.order_by("alumnus_id", "month", "pk").iterator(
        chunk_size=BATCH
    ):
        if current is None or (current.alumnus_id, current.month) != (row.alumnus_id, row.month):
            current = row
            kept.append(row)
        else:
            extra.append(row.pk)
        field = TYPE_FIELDS.get(row.type)
        if field:
            setattr(current, field, getattr(current, field) + row.count)
        if row.type in VIEW_TYPES:
            view = VIEW_FIELDS.get(row.content_kind, "views_page")
            setattr(current, view, getattr(current, view) + row.count)
    fields = [*TYPE_FIELDS.values(), *VIEW_FIELDS.values()]
    SignalMonthly.objects.bulk_update(kept, fields, batch_size=BATCH)
    for start in range(0, len(extra), BATCH):
        SignalMonthly.objects.filter(pk__in=extra[start : start + BATCH]).delete()


def unfold_rows(apps: Any, schema_editor: Any) -> None:
    """Back to a row per type and kind: page views by kind are the views of that kind less the
    notices opened (always notices) and jobs viewed (always jobs)."""
    SignalMonthly = apps.get_model("analytics", "SignalMonthly")
    made: list[Any] = []
    done: list[int] = []
    for row in SignalMonthly.objects.order_by("pk").iterator(chunk_size=BATCH):
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for kind, field in TYPE_FIELDS.items():
            if kind not in VIEW_TYPES and getattr(row, field):
                counts[(kind, KIND_OF_TYPE[kind])] += getattr(row, field)
        counts[("notice_opened", "notice")] += row.notices_opened
        counts[("job_viewed", "job")] += row.jobs_viewed
        for content_kind, field in VIEW_FIELDS.items():
            views = getattr(row, field)
            views -= {"notice": row.notices_opened, "job": row.jobs_viewed}.get(content_kind, 0)
            counts[("page_view", content_kind)] += max(views, 0)
        made.extend(
            SignalMonthly(
                alumnus_id=row.alumnus_id, month=row.month, type=kind, content_kind=kind_of, count=n
            )
            for (kind, kind_of), n in counts.items()
            if n
        )
        done.append(row.pk)
    SignalMonthly.objects.filter(pk__in=done).delete()
    SignalMonthly.objects.bulk_create(made, batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [("analytics", "0002_perf_signal_monthly_columns")]

    operations = [migrations.RunPython(fold_rows, unfold_rows)]
