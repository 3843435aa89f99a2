"""The migration that turned notice deliveries into item deliveries keeps every row."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.browser.test_push_ui import _rows_of_data_migrations
from tests.content.factories import NoticeIndexPageFactory, NoticePageFactory, make_site
from tests.groups.factories import AlumnusFactory


def test_migration_keeps_notice_deliveries_as_published_items(
    django_beside_playwright: None,
    migrated_data_left_behind: None,
    django_db_serialized_rollback: None,
    transactional_db: None,
) -> None:
    _rows_of_data_migrations()  # an earlier transactional test may have flushed them
    notice = NoticePageFactory(parent=NoticeIndexPageFactory(parent=make_site()))
    alumnus = AlumnusFactory()
    before = [("push", "0003_i12_delivery_last_error")]
    after = [("push", "0004_delivery_item_reason")]
    # Each step starts from the project state the last one ended with, instead of building it
    # again from the whole migration history; a new executor reads the migrations applied since.
    state = MigrationExecutor(connection).migrate(before)
    state.apps.get_model("push", "Delivery").objects.create(
        notice_id=notice.pk, alumnus_id=alumnus.pk, channel="push", status="sent"
    )

    state = MigrationExecutor(connection).migrate(after, state=state)
    [row] = state.apps.get_model("push", "Delivery").objects.values_list(
        "item_id", "alumnus_id", "channel", "status", "reason"
    )
    assert row == (notice.pk, alumnus.pk, "push", "sent", "published")
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes(), state=state)
