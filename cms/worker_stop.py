"""A worker asked to stop (SIGTERM or SIGINT: a deploy, `systemctl stop`) while a task sends:
the message in hand goes out and is recorded, the rest is handed back at once for the next
worker, and django-tasks-db's worker exits after the task, as it does on SIGTERM. Nothing is
then left 「送信中」 until its lease runs out, and nothing is sent twice.

One mechanism for every sending task (the fan-out of an item, push and mail; the monthly
digest; invitation mails): the task runs inside `stop_requests_heard()`, and its loop looks at
`stop_requested` before each unit of work (a push chunk, a mail) and hands back what is left
when it is set. A SIGKILL cannot be handled: the lease and the sweeper take over.
"""

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

stop_requested = threading.Event()
"""Set when this process is asked to stop: no new message is sent."""

Handler = Callable[[int, FrameType | None], Any]


@contextlib.contextmanager
def stop_requests_heard() -> Iterator[None]:
    """While the block runs, SIGTERM and SIGINT also set `stop_requested`, then go on to the
    handler that was there (the worker's graceful shutdown: it finishes the task, then exits).
    Only in the main thread of a process that handles them gracefully: elsewhere a signal
    keeps its default effect."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[signal.Signals, Handler] = {}
    for signum in (signal.SIGTERM, signal.SIGINT):
        handler = signal.getsignal(signum)
        if callable(handler) and handler is not signal.default_int_handler:
            previous[signum] = handler

            def stop(signum: int, frame: FrameType | None, handler: Handler = handler) -> None:
                stop_requested.set()
                handler(signum, frame)

            signal.signal(signum, stop)
    try:
        yield
    finally:
        for number, kept in previous.items():
            signal.signal(number, kept)
        stop_requested.clear()
