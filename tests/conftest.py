"""Fixtures shared by the whole suite, and the rule that nothing is skipped in CI."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.utils import translation

# The parametrised store fixtures (any_store, redis_store) for the storage tests.
from tests.stores import any_store, redis_store  # noqa: F401


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Start every test in the default language.

    LocaleMiddleware activates a request's language in the thread and nothing switches it
    back, so one test-client request in Chinese would otherwise leak into the next test.
    """
    translation.deactivate()
    yield
    translation.deactivate()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI a skipped test is a failure: the Redis and browser tests must really run."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if os.environ.get("CI") and reporter is not None and reporter.stats.get("skipped"):
        reporter.write_line("CI: skipped tests are not allowed; failing the run.", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
