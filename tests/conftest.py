"""Shared fixtures: each lives in ``tests/fixtures/`` and is registered here."""

pytest_plugins = [
    "tests.fixtures.temporal",
    "tests.fixtures.db",
    "tests.fixtures.smtp",
]
