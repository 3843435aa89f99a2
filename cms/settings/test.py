"""Settings for the test suite: fast hashing, tasks run in-process unless a test says otherwise."""

import os

from .base import *  # noqa: F403
from .base import env

# One OpenBLAS thread (numpy, scikit-learn's fits in cms.comeback): with a thread per core, each
# process's idle BLAS threads spin waiting for work, CPU the other test processes on the same cores
# then lack (tests/comeback/test_fit.py and test_commands.py took 25.0-25.7 s of CPU with two
# threads, 24.1-24.3 s with one, the test database's migration included). Set before numpy is
# first imported (Django's apps import it), and inherited by the processes the tests start.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

SECRET_KEY = "test-only-not-secret-" + "x" * 40
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", "django.tasks.backends.immediate.ImmediateBackend"),
        "QUEUES": TASK_QUEUES,  # noqa: F405
    }
}
# Scratch files of one test run; `make test` gives the SQLite and the PostgreSQL runs their own,
# so the two can run side by side.
TEST_VAR_DIR = Path(env("TEST_VAR_DIR", str(BASE_DIR / "var")))  # noqa: F405
# Under pytest-xdist each worker process (and what it starts) gets a directory of its own.
if env("PYTEST_XDIST_WORKER", ""):
    TEST_VAR_DIR = TEST_VAR_DIR / env("PYTEST_XDIST_WORKER")
MEDIA_ROOT = TEST_VAR_DIR / "test-media"
LOGGING["root"] = {"handlers": ["console"], "level": "WARNING"}  # noqa: F405
WHITENOISE_AUTOREFRESH = True
# PWA build: tests that want a build on publish turn it on and give their own directory.
PWA_BUILD_ON_PUBLISH = False
PWA_DIST_DIR = Path(env("PWA_DIST_DIR", str(TEST_VAR_DIR / "test-dist")))  # noqa: F405
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file (one per test process), not shared-cache memory: tests with real threads then lock
    # and wait like the demo's database does (WAL, busy timeout) instead of failing at once.
    import tempfile

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"alumni-test-{os.getpid()}.sqlite3")
    }
