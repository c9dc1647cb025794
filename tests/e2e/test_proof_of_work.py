"""PROOF_OF_WORK in Chromium: the widget's Web Worker solves the puzzle under the demo's strict CSP.

The demo runs with ``CAPTCHA_GUARD_PROOF_OF_WORK`` (a server of this module's own); its
policy has ``worker-src 'self'`` and no ``unsafe-inline``, and ``open_page`` fails a test
on any CSP violation or script error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.test import override_settings
from playwright.sync_api import Page, expect

from django_captcha_guard import testing
from tests.e2e import widget
from tests.e2e.server import DemoServer, run_demo

pytestmark = pytest.mark.browser

FORM = "#login-form"
MAX_NUMBER = 100_000
STAMP = f"{FORM} [data-captcha-guard-pow]"


@pytest.fixture(scope="module")
def work_demo(tmp_path_factory: pytest.TempPathFactory, demo_database: Path) -> Iterator[DemoServer]:
    folder = tmp_path_factory.mktemp("demo-pow")
    with run_demo(folder, demo_database, "database", "", {"CAPTCHA_GUARD_PROOF_OF_WORK": str(MAX_NUMBER)}) as server:
        yield server


def difficulty(page: Page) -> int:
    return int(page.get_attribute(STAMP, "data-max-number") or 0)


def stamp_for(server: DemoServer, key: str, max_number: int) -> str:
    with override_settings(SECRET_KEY=server.settings.SECRET_KEY, CAPTCHA_GUARD=server.settings.CAPTCHA_GUARD):
        return testing.stamp(key, max_number)


def submit(page: Page, server: DemoServer, password: str = "demo") -> None:
    page.fill("#id_username", "demo")
    page.fill("#id_password", password)
    widget.answer(page, FORM, server.solve(widget.key(page, FORM)))
    with page.expect_navigation():
        page.click(f"{FORM} button[type=submit]")


def test_the_worker_solves_the_stamp_and_the_login_passes(
    open_page: Callable[..., Page], work_demo: DemoServer
) -> None:
    page = open_page(work_demo)
    page.goto("/login/")
    page.wait_for_function("selector => document.querySelector(selector).value !== ''", arg=STAMP, timeout=30_000)
    assert page.input_value(STAMP) == stamp_for(work_demo, widget.key(page, FORM), difficulty(page))
    submit(page, work_demo)
    expect(page.locator(".signed-in")).to_contain_text("demo")


def test_a_form_sent_before_the_stamp_is_ready_waits_for_it(
    open_page: Callable[..., Page], work_demo: DemoServer
) -> None:
    page = open_page(work_demo)
    page.goto("/login/")
    submit(page, work_demo)  # typed by a script within milliseconds: the worker is not done yet
    expect(page.locator(".signed-in")).to_contain_text("demo")


def test_a_forged_stamp_is_refused(open_page: Callable[..., Page], work_demo: DemoServer) -> None:
    page = open_page(work_demo)
    page.goto("/login/")
    page.wait_for_function("selector => document.querySelector(selector).value !== ''", arg=STAMP, timeout=30_000)
    right = page.input_value(STAMP)
    maximum, number = right.split(":")
    page.eval_on_selector(STAMP, "(input, value) => { input.value = value; }", f"{maximum}:{(int(number) + 1) % 10}")
    submit(page, work_demo)
    expect(page.locator(f"{FORM} .errorlist")).to_contain_text("JavaScript")
    expect(page.locator(".signed-in")).to_have_count(0)


def test_without_javascript_the_form_says_so_and_is_refused(browser: object, work_demo: DemoServer) -> None:
    context = browser.new_context(base_url=work_demo.url, java_script_enabled=False)  # type: ignore[attr-defined]
    try:
        page = context.new_page()
        page.goto("/login/")
        expect(page.locator(".captcha-guard-pow-noscript")).to_contain_text("needs JavaScript")
        submit(page, work_demo)
        expect(page.locator(f"{FORM} .errorlist")).to_contain_text("JavaScript")
    finally:
        context.close()


def test_the_bundled_sha256_finds_the_same_number(open_page: Callable[..., Page], work_demo: DemoServer) -> None:
    """Web Crypto exists only on HTTPS and localhost; elsewhere the worker's own SHA-256 runs."""
    page = open_page(work_demo)
    page.goto("/login/")
    puzzle = page.eval_on_selector(
        STAMP, "i => ({salt: i.dataset.salt, challenge: i.dataset.challenge, max_number: +i.dataset.maxNumber})"
    )
    results = page.evaluate(
        """async ([puzzle, url]) => Promise.all(["js", "webcrypto"].map((engine) => new Promise((resolve) => {
            const worker = new Worker(url);
            worker.onmessage = (event) => { worker.terminate(); resolve(event.data); };
            worker.postMessage({...puzzle, engine});
        })))""",
        [puzzle, "/static/captcha_guard/pow_worker.js"],
    )
    assert [r["engine"] for r in results] == ["js", "webcrypto"]
    # Earlier failed stamps from 127.0.0.1 may have raised the difficulty: the page says which.
    expected = stamp_for(work_demo, widget.key(page, FORM), puzzle["max_number"]).split(":")[1]
    assert [str(r["number"]) for r in results] == [expected, expected]


def test_the_es_module_solves_the_json_apis_puzzle(open_page: Callable[..., Page], work_demo: DemoServer) -> None:
    page = open_page(work_demo)
    page.goto("/sms/")
    key, stamp = page.evaluate(
        """async () => {
            const { solve } = await import("/static/captcha_guard/solve_pow.js");
            const challenge = await (await fetch("/captcha/new/?scope=sms")).json();
            return [challenge.key, await solve(challenge.pow)];
        }"""
    )
    assert stamp == stamp_for(work_demo, key, int(stamp.split(":")[0]))
