"""SignalMonthly: one row per person and month with a column per signal type (and views by kind
of content) instead of one row per person, month, type and kind; the old rows are folded in."""

from collections import defaultdict
from typing import Any

from django.db import migrations, models

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


def _count(verbose_name: str) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(verbose_name, default=0)


class Migration(migrations.Migration):
    dependencies = [("analytics", "0001_signals")]

    operations = [
        migrations.RemoveConstraint(model_name="signalmonthly", name="signal_monthly_once"),
        migrations.AddField("signalmonthly", "logins", _count("ログイン")),
        migrations.AddField("signalmonthly", "page_views", _count("ページの閲覧")),
        migrations.AddField(
            "signalmonthly", "notices_opened", _count("通知・メールからのお知らせの表示")
        ),
        migrations.AddField("signalmonthly", "jobs_viewed", _count("求人情報の閲覧")),
        migrations.AddField("signalmonthly", "surveys_answered", _count("アンケートへの回答")),
        migrations.AddField("signalmonthly", "chat_posts", _count("グループへの投稿")),
        migrations.AddField("signalmonthly", "views_notice", _count("閲覧（お知らせ）")),
        migrations.AddField("signalmonthly", "views_job", _count("閲覧（求人情報）")),
        migrations.AddField("signalmonthly", "views_press", _count("閲覧（報道発表）")),
        migrations.AddField("signalmonthly", "views_survey", _count("閲覧（アンケート）")),
        migrations.AddField("signalmonthly", "views_page", _count("閲覧（その他のページ）")),
        migrations.RunPython(fold_rows, unfold_rows),
        # A default only so that going back can add the column to existing rows.
        migrations.AlterField(
            "signalmonthly", "type", models.CharField("種類", max_length=16, default="")
        ),
        migrations.RemoveField("signalmonthly", "type"),
        migrations.RemoveField("signalmonthly", "content_kind"),
        migrations.RemoveField("signalmonthly", "count"),
        migrations.AddConstraint(
            model_name="signalmonthly",
            constraint=models.UniqueConstraint(
                fields=("alumnus", "month"), name="signal_monthly_person_month"
            ),
        ),
    ]
