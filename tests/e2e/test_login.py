"""The login page: a CaptchaField in a Django form, seen through a real browser."""

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


def fill_login(page: Page, answer: str, password: str = "demo") -> None:
    page.fill("#id_username", "demo")
    page.fill("#id_password", password)
    widget.answer(page, FORM, answer)


def submit(page: Page) -> None:
    with page.expect_navigation():
        page.click(f"{FORM} button[type=submit]")


@pytest.mark.parametrize("scale", [1, 2])
def test_picture_is_displayed(open_page: Callable[..., Page], demo: DemoServer, screenshots: Path, scale: int) -> None:
    page = open_page(demo, scale=scale)
    page.goto("/login/")
    image = widget.image(page, FORM)
    assert widget.wait_shown(image) >= 100
    # A HiDPI screen picks the sharper copy from srcset.
    assert ("scale=2" in image.evaluate("img => img.currentSrc")) == (scale == 2)
    page.fill("#id_username", "demo")
    # login-form@2x.png is the README picture (docs/images/widget.png).
    page.locator(FORM).screenshot(path=screenshots / f"login-form@{scale}x.png")


def test_refresh_changes_key_and_picture(page: Page) -> None:
    page.goto("/login/")
    image = widget.image(page, FORM)
    widget.wait_shown(image)
    old_key, old_src, old_pixels = widget.key(page, FORM), image.get_attribute("src"), image.screenshot()

    new_key = widget.refresh(page, FORM)

    assert new_key != old_key
    assert new_key in (image.get_attribute("src") or "")
    assert image.screenshot() != old_pixels
    # The refresh retired the challenge it replaced.
    assert page.request.get(old_src or "").status == 410


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_wrong_answer_shows_translated_error_and_new_picture(
    page: Page, demo: DemoServer, screenshots: Path, language: str
) -> None:
    page.goto("/login/")
    if language != "en":
        # Through the page's own language switch (Django's set_language view).
        with page.expect_navigation():
            page.click(f".language button[value='{language}']")
        expect(page.locator("html")).to_have_attribute("lang", language)
    old_key = widget.key(page, FORM)
    fill_login(page, widget.wrong(demo.solve(old_key)), password="not-the-password")

    submit(page)

    expect(page.locator(f"{FORM} .errorlist")).to_contain_text(message(Reason.WRONG, language))
    # The password was not even tried, so its error does not tell a bot anything.
    expect(page.locator(f"{FORM} .errorlist.nonfield")).to_have_count(0)
    assert widget.key(page, FORM) != old_key
    assert widget.wait_shown(widget.image(page, FORM)) > 0
    page.screenshot(path=screenshots / f"login-wrong-{language}.png")


def test_right_answer_signs_in(page: Page, demo: DemoServer) -> None:
    page.goto("/login/")
    fill_login(page, demo.solve(widget.key(page, FORM)))

    submit(page)

    expect(page.locator(".signed-in")).to_contain_text("demo")
    expect(page.locator(".messages")).to_contain_text("Signed in as demo.")
