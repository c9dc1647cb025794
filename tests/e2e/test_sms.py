"""The single-page "send SMS code" view: JSON challenge in, JSON API behind @require_captcha."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from django_captcha_guard.core import Reason
from tests.e2e import widget
from tests.e2e.messages import message
from tests.e2e.server import DemoServer

pytestmark = pytest.mark.browser

# The demo sends one code per number a minute (per_subject), so each test has a number of its own.
NUMBERS = {"en": "13800138000", "zh-hans": "13800138001"}


def current_key(page: Page, other_than: str = "") -> str:
    """The page's challenge key, once it has one (different from ``other_than``)."""
    page.wait_for_function(
        "old => document.getElementById('sms-key').value && document.getElementById('sms-key').value !== old",
        arg=other_than,
    )
    widget.wait_shown(page.locator("#sms-captcha-image"))
    return page.input_value("#sms-key")


def send(page: Page, answer: str) -> tuple[int, dict[str, object]]:
    page.fill("#sms-answer", answer)
    with page.expect_response("**/api/sms/") as info:
        page.click("#sms-send")
    return info.value.status, info.value.json()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_json_error_then_success(
    open_page: Callable[..., Page], demo: DemoServer, screenshots: Path, language: str
) -> None:
    page = open_page(demo, language)
    page.goto("/sms/")
    mobile = NUMBERS[language]
    page.fill("#sms-mobile", mobile)
    first = current_key(page)

    status, body = send(page, widget.wrong(demo.solve(first)))

    assert status == 400
    assert body["code"] == 400 and body["errmsg"] == message(Reason.WRONG, language)
    expect(page.locator("#sms-status")).to_have_text(str(body["errmsg"]))
    expect(page.locator("#sms-status")).to_have_attribute("data-state", "error")
    page.screenshot(path=screenshots / f"sms-error-{language}.png")
    second = current_key(page, other_than=first)  # the page asked for a new challenge

    status, body = send(page, demo.solve(second))

    assert status == 200 and body["code"] == 0
    expect(page.locator("#sms-status")).to_have_text(str(body["errmsg"]))
    expect(page.locator("#sms-status")).to_have_attribute("data-state", "ok")

    # Posting the solved JSON again is refused: one answer per challenge.
    replay = page.request.post(
        f"{demo.url}/api/sms/",
        data=json.dumps({"mobile": mobile, "captcha_key": second, "captcha_answer": demo.solve(second)}),
        headers={
            "Content-Type": "application/json",
            "X-CSRFToken": page.input_value("#sms-form input[name=csrfmiddlewaretoken]"),
        },
    )
    assert replay.status == 400
    assert replay.json()["errmsg"] == message(Reason.EXPIRED, language)


def test_refresh_button_asks_for_a_new_challenge(page: Page) -> None:
    page.goto("/sms/")
    first = current_key(page)
    page.click("#sms-refresh")
    assert current_key(page, other_than=first) != first


@pytest.mark.parametrize("scale", [1, 2])
def test_the_picture_arrives_inline_under_a_policy_that_allows_data_images_here_only(
    open_page: Callable[..., Page], demo: DemoServer, scale: int
) -> None:
    """The page shows ``captcha/new/?inline=1``'s data: URL, the 2x one on a HiDPI screen.

    ``open_page`` fails the test on any CSP violation, so the picture showing proves the
    policy allows it; the other pages keep ``img-src 'self'``.
    """
    page = open_page(demo, scale=scale)
    with page.expect_response("**/captcha/new/?*") as info:
        response = page.goto("/sms/")
    assert response is not None
    assert "img-src 'self' data:;" in response.headers["content-security-policy"]
    assert f"scale={scale}" in info.value.url and "inline=1" in info.value.url
    key = current_key(page)
    src = page.get_attribute("#sms-captcha-image", "src") or ""
    assert src.startswith("data:image/png;base64,")
    assert widget.wait_shown(page.locator("#sms-captcha-image")) == 240 * scale
    # The inline picture is the key's own picture, the one image_url serves.
    served = page.request.get(f"{demo.url}/captcha/{key}.png" + ("?scale=2" if scale == 2 else ""))
    assert base64.b64decode(src.split(",", 1)[1]) == served.body()
    other = page.request.get(f"{demo.url}/login/")
    assert "img-src 'self';" in other.headers["content-security-policy"]


def test_listen_plays_the_audio_url_of_the_json(page: Page) -> None:
    page.goto("/sms/")
    key = current_key(page)
    listen = page.locator("#sms-listen")
    expect(listen).to_be_visible()
    with page.expect_response(f"**/captcha/{key}.wav") as clip:
        listen.click()
    assert clip.value.status == 200 and clip.value.headers["content-type"] == "audio/wav"
