"""The demo's admin login (the default admin.site under CaptchaAdminConfig) in a real browser."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from django_captcha_guard.core import Reason
from tests.e2e import widget
from tests.e2e.messages import message
from tests.e2e.server import DemoServer

pytestmark = pytest.mark.browser

FORM = "#login-form"
REJECTED = "Password rejected for 'demo'"  # demo/apps.py logs each password Django tries and rejects


def log_in(page: Page, answer: str, password: str = "demo") -> int:
    page.fill("#id_username", "demo")
    page.fill("#id_password", password)
    widget.answer(page, FORM, answer)
    with page.expect_navigation() as navigation:
        page.click(f"{FORM} input[type=submit]")
    assert navigation.value is not None
    return navigation.value.status


def rejected_passwords(demo: DemoServer) -> int:
    return demo.log.read_text(errors="replace").count(REJECTED)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_wrong_answer_is_an_admin_error_and_the_password_is_not_tried(
    open_page: Callable[..., Page], demo: DemoServer, screenshots: Path, language: str
) -> None:
    page = open_page(demo, language)
    page.goto("/admin/login/")
    assert widget.wait_shown(widget.image(page, FORM)) == 240
    before = rejected_passwords(demo)

    assert log_in(page, widget.wrong(demo.solve(widget.key(page, FORM))), password="not the password") == 200

    expect(page.locator("p.errornote")).to_be_visible()
    expect(page.locator(".captcha-guard-row .errorlist")).to_have_text(message(Reason.WRONG, language))
    page.screenshot(path=screenshots / f"admin-login-wrong-{language}.png")
    assert rejected_passwords(demo) == before
    # The page came back with a new picture and without a session.
    widget.wait_shown(widget.image(page, FORM))
    assert page.context.cookies(demo.url) and "sessionid" not in {c["name"] for c in page.context.cookies(demo.url)}


def test_a_right_answer_tries_the_password_then_logs_in_and_a_replay_is_refused(
    open_page: Callable[..., Page], demo: DemoServer
) -> None:
    page = open_page(demo)
    page.goto("/admin/login/?next=/admin/")
    before = rejected_passwords(demo)
    log_in(page, demo.solve(widget.key(page, FORM)), password="not the password")
    expect(page.locator("p.errornote")).to_contain_text("correct username and password")
    assert rejected_passwords(demo) == before + 1  # the log line does appear when Django tries one

    page.fill("#id_username", "demo")
    page.fill("#id_password", "demo")
    widget.answer(page, FORM, demo.solve(widget.key(page, FORM)))
    posted = page.locator(FORM).evaluate("form => Object.fromEntries(new FormData(form))")
    csrf = next(c for c in page.context.cookies(demo.url) if c["name"] == "csrftoken")
    with page.expect_navigation():
        page.click(f"{FORM} input[type=submit]")
    assert page.url == f"{demo.url}/admin/"
    expect(page.locator("#user-tools")).to_contain_text("demo")

    # The same POST from another browser holding the same CSRF cookie: the challenge is spent.
    attacker = open_page(demo)
    attacker.context.add_cookies([{"name": "csrftoken", "value": csrf["value"], "url": demo.url}])
    replay = attacker.request.post(f"{demo.url}/admin/login/?next=/admin/", form=posted)
    assert replay.status == 200
    assert message(Reason.EXPIRED, "en") in replay.text()
    assert "sessionid" not in {c["name"] for c in attacker.context.cookies(demo.url)}
