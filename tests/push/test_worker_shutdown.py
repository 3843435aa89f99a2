"""A worker's SIGTERM during a fan-out: the sending is told to stop and the worker's own graceful
shutdown still runs; a process without one keeps the signal's default effect."""

import os
import signal
from collections.abc import Iterator
from types import FrameType

import pytest

from cms.push.sender import stop_requested
from cms.push.tasks import _stop_sending_on_shutdown


@pytest.fixture
def sigterm_kept() -> Iterator[None]:
    kept = signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGTERM, kept)
    stop_requested.clear()


def test_sigterm_during_a_fan_out_stops_the_sending_and_reaches_the_workers_handler(
    sigterm_kept: None,
) -> None:
    received: list[int] = []

    def graceful_shutdown(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    signal.signal(signal.SIGTERM, graceful_shutdown)
    with _stop_sending_on_shutdown():
        assert not stop_requested.is_set()
        os.kill(os.getpid(), signal.SIGTERM)
        assert stop_requested.is_set()
        assert received == [signal.SIGTERM]
    # After the fan-out the worker's handler is in place again, and the next task sends.
    assert signal.getsignal(signal.SIGTERM) is graceful_shutdown
    assert not stop_requested.is_set()


def test_a_process_without_a_graceful_handler_keeps_the_default(sigterm_kept: None) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    with _stop_sending_on_shutdown():
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
