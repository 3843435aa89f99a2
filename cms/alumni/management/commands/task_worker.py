"""`manage.py task_worker`: django-tasks-db's `db_worker` that outlives a locked or lost database.

`db_worker` (django_tasks_db 0.x) dies on the first database error while it takes a task, except
"database is locked" raised by the claim query itself: SQLite's `BEGIN EXCLUSIVE` timing out
happens before its `try`, and a connection dropped while a task ran (PostgreSQL restarted, the
backend terminated, a network blip) fails the `set_successful`/`set_failed` write that follows,
outside any handler. Its `Worker` is reused as is; `run` is wrapped so that such an error is
logged, the connections are closed and the loop starts again after a pause. A task whose result
could not be written stays 「実行中」 (its claim is what a lease reclaims). Runs every queue's
worker in the demo and in production, never with auto-reload.
"""

import contextlib
import logging
import time
from argparse import ArgumentParser
from typing import Any

from django.db import InterfaceError, OperationalError, connections
from django_tasks_db.management.commands import db_worker
from django_tasks_db.management.commands.db_worker import Worker

logger = logging.getLogger("django_tasks_db")


class ResilientWorker(Worker):
    """A `db_worker` worker that pauses and carries on after a database error."""

    def __init__(self, *, error_pause: float, **options: Any) -> None:
        super().__init__(**options)
        self.error_pause = error_pause
        self.database_errors = 0

    def run(self) -> None:
        while True:
            try:
                super().run()
                return
            except (OperationalError, InterfaceError) as error:
                self.database_errors += 1
                logger.warning(
                    "worker_id=%s: database error while taking a task (%s: %s); "
                    "trying again in %.1f s",
                    self.worker_id,
                    type(error).__name__,
                    error,
                    self.error_pause,
                )
                self.running_task = False
                self.startup_delay = False
                for connection in connections.all(initialized_only=True):
                    with contextlib.suppress(OperationalError, InterfaceError):
                        connection.close()
                if not self.running:
                    return
                time.sleep(self.error_pause)


class Command(db_worker.Command):
    help = "Run a database background worker that survives database errors (no auto-reload)"

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--error-pause",
            default=5.0,
            type=db_worker.valid_interval,
            help="Seconds to wait after a database error before taking tasks again (default: 5)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.configure_logging(options["verbosity"])
        worker = ResilientWorker(
            queue_names=options["queue_name"].split(","),
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=[q for q in options["exclude_queues"].split(",") if q],
            error_pause=options["error_pause"],
        )
        worker.configure_signals()
        worker.run()
