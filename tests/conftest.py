"""Shared pytest setup: fixtures of real components live in tests/fixtures/."""

pytest_plugins = [
    "tests.fixtures.smtp",
    "tests.fixtures.push_service",
    "tests.fixtures.database",
    "tests.fixtures.staff_otp",
]
