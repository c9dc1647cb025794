"""The demo's Jinja2 page: {{ captcha() }} in a real browser, under the demo's strict CSP."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from django_captcha_guard.core import Reason
from tests.e2e import widget
from tests.e2e.messages import message
from tests.e2e.server import DemoServer

pytestmark = pytest.mark.browser

FORM = "#contact-form"


def send(page: Page, answer: str) -> int:
    page.fill("#contact-message", "Hello from Jinja2")
    widget.answer(page, FORM, answer)
    with page.expect_navigation() as navigation:
        page.click(f"{FORM} button[type=submit]")
    response = navigation.value
    assert response is not None
    return response.status


def test_the_widget_works_with_its_script_under_the_nonce(page: Page) -> None:
    response = page.goto("/jinja2/")
    assert response is not None and response.status == 200
    nonce = page.locator("script[src$='captcha_guard.js']").evaluate("script => script.nonce")
    assert f"'nonce-{nonce}'" in response.headers["content-security-policy"]
    assert widget.wait_shown(widget.image(page, FORM)) == 240
    assert widget.widget(page, FORM).get_attribute("data-scope") == "contact"
    old = widget.key(page, FORM)
    # The refresh button only shows once captcha_guard.js has run.
    assert widget.refresh(page, FORM) != old


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_wrong_answer_is_refused_and_right_answer_accepted(
    open_page: Callable[..., Page], demo: DemoServer, language: str
) -> None:
    page = open_page(demo, language)
    page.goto("/jinja2/")
    assert send(page, widget.wrong(demo.solve(widget.key(page, FORM)))) == 403
    expect(page.locator(".captcha-guard-error")).to_have_text(message(Reason.WRONG, language))

    page.goto("/jinja2/")
    assert send(page, demo.solve(widget.key(page, FORM))) == 200
    expect(page.locator(".messages li")).to_have_count(1)
    assert page.url.endswith("/jinja2/")
    widget.wait_shown(widget.image(page, FORM))  # a new challenge on the page it came back to
