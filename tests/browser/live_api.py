"""One live loopback origin for browser tests that need the API: the built PWA at / and the
CMS and /api/v1/ under their own paths, served by a Django live-server thread that shares the
test database."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.servers.basehttp import WSGIServer
from django.db import connections
from django.test.testcases import LiveServerThread

# Every request target (path?query) a live origin was sent, oldest first: what its access log
# would hold. Tests look at the entries added while they ran.
served_requests: list[str] = []


class _PWAWithAPI:
    """WSGI app of one origin, as in the demo: dist/ at /, everything else to Django."""

    def __init__(self, dist: Path) -> None:
        self.dist = dist

    def __call__(self, django: Any) -> Any:
        from pwa_build.devserver import StaticSite

        site = StaticSite(self.dist, django)

        def logged(environ: dict[str, Any], start_response: Any) -> Any:
            served_requests.append(f"{environ['PATH_INFO']}?{environ.get('QUERY_STRING', '')}")
            return site(environ, start_response)

        return logged


class _OneAtATimeServer(WSGIServer):
    """Serves requests one after another on the server thread and closes each connection, so
    no keep-alive thread outlives the test while holding the shared test database."""

    def __init__(self, *args: Any, connections_override: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class _LiveServerThread(LiveServerThread):
    server_class = _OneAtATimeServer


@contextmanager
def pwa_api_origin(dist: Path, settings: Any) -> Iterator[str]:
    """Start the server for `dist` (which the caller builds) and point PWA_BASE_URL, API_ORIGIN
    and PWA_DIST_DIR at it; yields the origin's base URL. The database must really be committed
    (transactional tests): the server thread reads it."""
    shared = {
        conn.alias: conn
        for conn in connections.all()
        if conn.vendor == "sqlite" and conn.is_in_memory_db()
    }
    for conn in shared.values():
        conn.inc_thread_sharing()
    thread = _LiveServerThread(
        "127.0.0.1", static_handler=_PWAWithAPI(dist), connections_override=shared, port=0
    )
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    try:
        if thread.error:
            raise thread.error
        base = f"http://127.0.0.1:{thread.port}"
        settings.PWA_BASE_URL = base
        settings.API_ORIGIN = base
        settings.PWA_DIST_DIR = dist
        yield base
    finally:
        thread.terminate()
        for conn in shared.values():
            conn.dec_thread_sharing()
