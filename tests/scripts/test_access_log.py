"""The demo server's access log (scripts/gunicorn.conf.py, used by scripts/demo-serve) keeps no
query string and no referrer: what staff typed into the admin's search (a person's name, an
email address) stays out of the log. Served by a real gunicorn."""

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
SEARCH = "/admin/alumni_alumnus/?q=%E4%BD%90%E8%97%A4+sato%40alumni.example.jp"


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """The smallest WSGI application: the log line is gunicorn's, whatever answers."""
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_search_in_the_admin_leaves_no_name_or_address_in_the_access_log(
    tmp_path: Path,
) -> None:
    port = _free_port()
    log = tmp_path / "access.log"
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "tests.scripts.test_access_log:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--config",
            "scripts/gunicorn.conf.py",
            "--access-logfile",
            str(log),
        ],
        cwd=ROOT,
    )
    try:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{SEARCH}",
            headers={"Referer": f"http://127.0.0.1:{port}{SEARCH}"},
        )
        for _attempt in range(100):
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    assert response.status == 200
                break
            except OSError:
                time.sleep(0.1)  # not listening yet
        for _attempt in range(50):
            if log.exists() and log.read_text():
                break
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=10)

    line = log.read_text()
    assert '"GET /admin/alumni_alumnus/ HTTP/1.1" 200' in line
    assert "sato" not in line and "%E4%BD%90" not in line and "q=" not in line
