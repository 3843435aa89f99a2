"""scripts/supervise (the demo's workers): a worker that dies is started again; TERM stops both."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKER = "import os, pathlib, sys, time\n" + (
    "with open(sys.argv[1], 'a') as f: f.write(f'{os.getpid()}\\n')\ntime.sleep(120)\n"
)


def pids(path: Path, count: int) -> list[int]:
    """Wait until `count` worker processes have written their pid (started), then return them."""
    for _ in range(400):
        found = [int(line) for line in path.read_text().split()] if path.exists() else []
        if len(found) >= count:
            return found
        time.sleep(0.05)
    raise AssertionError(f"only {path.read_text() if path.exists() else ''!r} started")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return (
        Path(f"/proc/{pid}").exists()
        and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]
    )


def test_a_killed_worker_is_started_again_and_term_stops_everything(tmp_path: Path) -> None:
    started = tmp_path / "pids"
    log = tmp_path / "worker.log"
    supervisor = subprocess.Popen(
        [ROOT / "scripts/supervise", log, sys.executable, "-c", WORKER, started]
    )
    try:
        [first] = pids(started, 1)
        os.kill(first, signal.SIGKILL)  # an out-of-memory kill, say
        _, second = pids(started, 2)
        assert second != first
        assert alive(second)
        assert "exit status 137" in log.read_text()
    finally:
        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(timeout=30) == 0
    for _ in range(200):
        if not alive(second):
            break
        time.sleep(0.05)
    assert not alive(second)
    assert len(pids(started, 2)) == 2  # not started a third time after TERM
