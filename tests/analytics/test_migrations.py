"""The migration to one monthly row per person and month keeps every count."""

import datetime as dt

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.browser.test_push_ui import _rows_of_data_migrations
from tests.groups.factories import AlumnusFactory

BEFORE = [("analytics", "0001_signals")]
AFTER = [("analytics", "0004_perf_signal_monthly_one_row")]
OLD_ROWS = {
    ("login", "", 3),
    ("page_view", "notice", 2),
    ("page_view", "page", 1),
    ("notice_opened", "notice", 4),
    ("job_viewed", "job", 5),
    ("survey_answered", "survey", 1),
    ("chat_active", "group", 7),
}


def test_migration_folds_monthly_rows_into_one_per_person_and_month_and_back(
    django_beside_playwright: None,
    migrated_data_left_behind: None,
    django_db_serialized_rollback: None,
    transactional_db: None,
) -> None:
    _rows_of_data_migrations()  # an earlier transactional test may have flushed them
    person, other = AlumnusFactory(), AlumnusFactory()
    month, earlier = dt.date(2026, 10, 1), dt.date(2026, 9, 1)
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("analytics", "SignalMonthly")
    for kind, content_kind, count in OLD_ROWS:
        old.objects.create(
            alumnus_id=person.pk, month=month, type=kind, content_kind=content_kind, count=count
        )
    old.objects.create(alumnus_id=other.pk, month=earlier, type="login", count=1)

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("analytics", "SignalMonthly")
    rows = {row.pop("alumnus_id"): row for row in new.objects.values()}
    assert rows[person.pk] | {"id": 0} == {
        "id": 0,
        "month": month,
        "logins": 3,
        "page_views": 3,
        "notices_opened": 4,
        "jobs_viewed": 5,
        "surveys_answered": 1,
        "chat_posts": 7,
        "views_notice": 6,
        "views_job": 5,
        "views_press": 0,
        "views_survey": 0,
        "views_page": 1,
    }
    assert (rows[other.pk]["month"], rows[other.pk]["logins"]) == (earlier, 1)
    assert len(rows) == 2

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    back = executor.loader.project_state(BEFORE).apps.get_model("analytics", "SignalMonthly")
    assert (
        set(back.objects.filter(alumnus_id=person.pk).values_list("type", "content_kind", "count"))
        == OLD_ROWS
    )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
