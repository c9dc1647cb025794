"""Fixtures for the browser tests: the demo in a real server, headless Chromium, CSP watch.

Chromium is Debian's ``/usr/bin/chromium`` driven through Playwright's ``executable_path``
(``playwright install`` is never needed). Playwright's sync API leaves its event loop
marked as running in the main thread between calls, which would make Django refuse
database access in later tests; so the browser lives per module and is stopped (which
clears the loop) before any other module runs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.e2e import axe
from tests.e2e.browsing import Watch, new_page
from tests.e2e.server import DemoServer, migrate, run_demo

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS: list[Path] = []


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    database = tmp_path_factory.mktemp("demo-template") / "template.sqlite3"
    migrate(database)
    return database


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory, demo_database: Path) -> Iterator[DemoServer]:
    """The demo with its default store (database), shared by the whole browser suite."""
    with run_demo(tmp_path_factory.mktemp("demo-database"), demo_database, "database", "") as server:
        yield server


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("E2E_SCREENSHOT_DIR")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    SCREENSHOTS.append(path)
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (bash .ci/services.sh does).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    """``open_page(server, language="en", scale=1)``: a page in a fresh browser context.

    The test fails if any page it opened saw a CSP violation or a JavaScript error.
    """
    opened: list[tuple[Page, Watch]] = []

    def _open(server: DemoServer, language: str = "en", scale: float = 1) -> Page:
        opened.append(new_page(browser, server, language, scale))
        return opened[-1][0]

    yield _open
    for page, _watch in opened:
        page.context.close()
    problems = [problem for _page, watch in opened for problem in watch.problems]
    assert not problems, f"The browser reported CSP violations or script errors: {problems}"


@pytest.fixture
def page(open_page: Callable[..., Page], demo: DemoServer) -> Page:
    return open_page(demo)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for folder in SCREENSHOTS:
        terminalreporter.write_line(f"browser test screenshots: {folder}")
    for line in axe.RESULTS:
        terminalreporter.write_line(f"axe-core {axe.version()}, WCAG 2.2 AA: {line}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed browser test shows the end of the server log (tracebacks land there)."""
    report = yield
    if report.failed:
        for value in getattr(item, "funcargs", {}).values():
            if isinstance(value, DemoServer):
                report.sections.append((f"demo server log ({value.log})", value.log_tail()))
    return report
