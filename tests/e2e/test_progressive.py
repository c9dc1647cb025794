"""The demo's /signin/ under PROGRESSIVE, and one SMS code per number: seen through a real browser.

A demo server of this module's own, so its failure counters (per process, in runserver's
LocMemCache) start at zero whatever the other browser tests did from 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e import widget
from tests.e2e.server import DemoServer, run_demo

pytestmark = pytest.mark.browser

FORM = "#signin-form"


@pytest.fixture(scope="module")
def fresh_demo(tmp_path_factory: pytest.TempPathFactory, demo_database: Path) -> Iterator[DemoServer]:
    with run_demo(tmp_path_factory.mktemp("demo-progressive"), demo_database, "database", "") as server:
        yield server


def sign_in(page: Page, password: str) -> None:
    page.fill("#id_username", "demo")
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click(f"{FORM} button[type=submit]")


def test_no_picture_until_three_wrong_passwords(open_page: Callable[..., Page], fresh_demo: DemoServer) -> None:
    page = open_page(fresh_demo)
    page.goto("/signin/")
    expect(page.locator(f"{FORM} [data-captcha-guard]")).to_have_count(0)
    expect(page.locator(f"{FORM} legend")).to_have_count(0)
    for attempt in range(3):
        expect(page.locator(f"{FORM} [data-captcha-guard]")).to_have_count(0)
        sign_in(page, f"wrong-{attempt}")
        expect(page.locator(f"{FORM} .errorlist.nonfield")).to_have_count(1)
    assert widget.wait_shown(widget.image(page, FORM)) > 0
    widget.answer(page, FORM, fresh_demo.solve(widget.key(page, FORM)))
    sign_in(page, "demo")
    expect(page.locator(".signed-in")).to_contain_text("demo")


def test_a_second_code_for_one_number_is_refused(open_page: Callable[..., Page], fresh_demo: DemoServer) -> None:
    page = open_page(fresh_demo)
    page.goto("/sms/")
    page.fill("#sms-mobile", "13900139000")
    statuses = []
    for _ in range(2):
        page.wait_for_function("() => document.getElementById('sms-key').value")
        widget.wait_shown(page.locator("#sms-captcha-image"))
        key = page.input_value("#sms-key")
        page.fill("#sms-answer", fresh_demo.solve(key))
        with page.expect_response("**/api/sms/") as info:
            page.click("#sms-send")
        statuses.append(info.value.status)
        if info.value.status == 200:
            page.wait_for_function("old => document.getElementById('sms-key').value !== old", arg=key)
    assert statuses == [200, 429]
    expect(page.locator("#sms-status")).to_contain_text("too often")
