"""The test databases' fixtures (tests/fixtures/database.py): a connection object made where an
event loop runs in the thread, as Playwright's sync API leaves one, can still put back the rows of
the migrations after a flush (Django's serialized rollback)."""

import asyncio
import threading
from typing import Any

from django.db import connections


def test_a_connection_made_beside_a_running_event_loop_has_the_migrated_contents(
    django_db_setup: None, django_db_blocker: Any
) -> None:
    with django_db_blocker.unblock():
        here = connections["default"]
        contents = here._test_serialized_contents  # type: ignore[attr-defined]
    assert contents  # Wagtail's root page, the default groups, content types …
    seen: list[Any] = []

    async def beside_a_loop() -> None:
        # asyncio.run's loop is running: asgiref's Local gives this context connection objects
        # of its own, as in a thread where Playwright's sync API has started.
        seen.append(connections["default"])

    thread = threading.Thread(target=asyncio.run, args=(beside_a_loop(),))
    thread.start()
    thread.join(30)
    [there] = seen
    assert there is not here
    assert getattr(there, "_test_serialized_contents", None) == contents
