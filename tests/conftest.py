"""Shared pytest setup: fixtures of real components live in tests/fixtures/."""

from pathlib import Path

import pytest

pytest_plugins = [
    "tests.fixtures.smtp",
    "tests.fixtures.push_service",
    "tests.fixtures.database",
    "tests.fixtures.database_template",
    "tests.fixtures.staff_otp",
]


def pytest_configure(config: pytest.Config) -> None:
    """The run's scratch directory (a worker's own under pytest-xdist, see cms.settings.test)."""
    from django.conf import settings

    if settings.configured:
        Path(settings.TEST_VAR_DIR).mkdir(parents=True, exist_ok=True)
