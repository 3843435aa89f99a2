"""The task worker survives a locked SQLite database and a terminated PostgreSQL connection."""

import sqlite3
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import OperationalError, connection, connections
from django.tasks import TaskResultStatus, task
from django.test import override_settings
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from cms.alumni.management.commands.task_worker import ResilientWorker


@pytest.fixture
def real_commits(
    migrated_data_left_behind: None, django_db_serialized_rollback: None, transactional_db: None
) -> None:
    """The worker commits and closes connections for real, as in its own process."""


DATABASE_QUEUE = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "pwa", "mail"],
    }
}
started = threading.Event()
release = threading.Event()


@task(queue_name="mail")
def echo(*, value: int) -> int:
    return value


@task(queue_name="mail")
def wait_for_release() -> None:
    started.set()
    release.wait(timeout=30)


def worker(cls: type[Worker] = ResilientWorker, **options: Any) -> Worker:
    settings: dict[str, Any] = {
        "queue_names": ["mail"],
        "interval": 0.05,
        "batch": True,
        "backend_name": "default",
        "startup_delay": False,
        "max_tasks": None,
        "worker_id": "test-worker",
        "excluded_queue_names": [],
    }
    if cls is ResilientWorker:
        settings["error_pause"] = 0.1
    return cls(**settings | options)


@pytest.fixture
def database_queue(real_commits: None) -> Iterator[None]:
    with override_settings(TASKS=DATABASE_QUEUE):
        yield


class SQLiteLock:
    """Another connection (as another process would) holding SQLite's write lock."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.locked = threading.Event()
        self.unlock = threading.Event()
        self.holder = threading.Thread(target=self._hold)

    def _hold(self) -> None:
        other = sqlite3.connect(self.path, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        self.locked.set()
        self.unlock.wait(timeout=30)
        other.execute("COMMIT")
        other.close()

    def take(self) -> None:
        self.holder.start()
        assert self.locked.wait(timeout=10)

    def release(self) -> None:
        self.unlock.set()
        if self.holder.is_alive():
            self.holder.join()


@pytest.fixture
def sqlite_lock(monkeypatch: pytest.MonkeyPatch) -> Iterator[SQLiteLock]:
    """This test's connection gives up waiting for a lock after 0.1 s (the settings: 20 s)."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's database lock")
    connection.close()
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "timeout", 0.1)
    lock = SQLiteLock(connection.settings_dict["NAME"])
    try:
        yield lock
    finally:
        lock.release()
        connection.close()


def test_db_worker_alone_dies_when_sqlite_is_locked_while_it_takes_a_task(
    database_queue: None, sqlite_lock: SQLiteLock
) -> None:
    """What the wrapper is for: django-tasks-db's own worker stops at the first lock."""
    echo.enqueue(value=7)
    sqlite_lock.take()
    with pytest.raises(OperationalError, match="locked"):
        worker(Worker).run()


def test_the_worker_waits_out_a_locked_sqlite_database_and_runs_the_task(
    database_queue: None, sqlite_lock: SQLiteLock
) -> None:
    echo.enqueue(value=7)
    sqlite_lock.take()
    running = worker()

    def unlock_after_the_first_error() -> None:
        while running.database_errors == 0:
            time.sleep(0.05)
        sqlite_lock.release()

    unlocker = threading.Thread(target=unlock_after_the_first_error, daemon=True)
    unlocker.start()
    running.run()  # batch mode: returns once the queue is empty
    unlocker.join(timeout=10)
    result = DBTaskResult.objects.get()
    assert running.database_errors >= 1
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 7


def run_through_a_terminated_connection(running: Worker) -> list[BaseException]:
    """Run `running` in a thread (its own connection, as in its own process); while its first
    task runs, terminate its PostgreSQL backend from here (as a database restart or a network
    cut would), so writing that task's result fails. Returns what ended the worker, if anything,
    once the second task ran or the worker died."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's backend termination")
    started.clear()
    release.clear()
    wait_for_release.enqueue()
    echo.enqueue(value=7)
    failures: list[BaseException] = []

    def run() -> None:
        try:
            running.run()
        except BaseException as error:  # what would end the worker process
            failures.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        assert started.wait(timeout=30)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            assert cursor.fetchall()
        release.set()
        for _ in range(600):
            echo_ran = DBTaskResult.objects.filter(
                task_path=echo.module_path, status=TaskResultStatus.SUCCESSFUL
            ).exists()
            if echo_ran or not thread.is_alive():
                break
            time.sleep(0.05)
    finally:
        release.set()
        running.running = False
        thread.join(timeout=30)
    return failures


def test_db_worker_alone_dies_when_its_postgresql_connection_is_terminated(
    database_queue: None,
) -> None:
    failures = run_through_a_terminated_connection(worker(Worker, batch=False))
    assert [type(failure).__name__ for failure in failures] in (
        ["OperationalError"],
        ["InterfaceError"],
    )
    assert DBTaskResult.objects.get(task_path=echo.module_path).status == TaskResultStatus.READY


def test_the_worker_carries_on_after_its_postgresql_connection_is_terminated(
    database_queue: None,
) -> None:
    running = worker(batch=False)
    failures = run_through_a_terminated_connection(running)
    assert not failures
    assert running.database_errors >= 1
    echo_result = DBTaskResult.objects.get(task_path=echo.module_path)
    assert echo_result.status == TaskResultStatus.SUCCESSFUL
    assert echo_result.return_value == 7
