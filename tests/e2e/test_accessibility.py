"""WCAG 2.2 AA in a real browser: axe-core on every demo page, a canary, keyboard only, reflow.

axe runs on every page in English and Chinese, in the light scheme and in forced-colours
mode (Windows high contrast, emulated). The canary breaks the widget on purpose and axe
must fail on it, so a silently broken axe run cannot pass the suite.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.e2e import axe, widget
from tests.e2e.server import DemoServer
from tests.e2e.test_pages import PAGES

pytestmark = pytest.mark.browser

FORM = "#login-form"
MODES = {"light": {"color_scheme": "light"}, "forced-colours": {"forced_colors": "active"}}
# Django's own admin header: under emulated forced colours axe reports colour-contrast on
# its "Django administration" link (the admin's CSS, not this app's; the light audit covers it).
NOT_OURS = {("/admin/login/", "forced-colours"): ("#header",)}


def load(page: Page, path: str) -> None:
    axe.prepare(page)
    response = page.goto(path)
    assert response is not None and response.status == 200
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("path", [*PAGES, "/admin/login/"])
def test_no_axe_violations(
    open_page: Callable[..., Page], demo: DemoServer, path: str, language: str, mode: str
) -> None:
    page = open_page(demo, language)
    page.emulate_media(**MODES[mode])  # type: ignore[arg-type]
    load(page, path)
    assert page.evaluate("matchMedia('(forced-colors: active)').matches") == (mode == "forced-colours")
    assert axe.audit(page, f"{path} {language} {mode}", NOT_OURS.get((path, mode), ())) == []


def test_the_canary_a_broken_widget_fails_axe(page: Page) -> None:
    """The login widget without its label, alt text and button name: axe must see all three."""
    load(page, "/login/")
    assert axe.audit(page) == []
    page.evaluate(
        """() => {
            const widget = document.querySelector("#login-form [data-captcha-guard]");
            widget.querySelector("label").remove();
            widget.querySelector("img").removeAttribute("alt");
            widget.querySelector("[data-captcha-guard-refresh]").textContent = "";
        }"""
    )
    found = {violation["id"] for violation in axe.audit(page)}
    assert {"label", "image-alt", "button-name"} <= found, found


def tab_to(page: Page, selector: str, limit: int = 30) -> None:
    """Press Tab until ``selector`` has the focus, as a keyboard user would."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} was not reached with {limit} presses of Tab")


def test_keyboard_only_login_with_refresh_and_listen(page: Page, demo: DemoServer) -> None:
    page.goto("/login/")
    tab_to(page, "#id_username")
    page.keyboard.type("demo")
    page.keyboard.press("Tab")
    page.keyboard.type("demo")

    # Refresh with Enter: a new challenge, announced, and the focus back on the emptied input.
    tab_to(page, f"{FORM} [data-captcha-guard-refresh]")
    old = widget.key(page, FORM)
    page.keyboard.press("Enter")
    page.wait_for_function(
        "([f, old]) => document.querySelector(f + ' [data-captcha-guard-key]').value !== old", arg=[FORM, old]
    )
    answer = page.locator(f"{FORM} [data-captcha-guard-answer]")
    expect(answer).to_be_focused()
    expect(page.locator(f"{FORM} [data-captcha-guard-status]")).to_have_text("A new picture is shown.")

    # Listen with Space: the clip of the new challenge is fetched and played.
    page.keyboard.press("Shift+Tab")
    expect(page.locator(f"{FORM} [data-captcha-guard-listen]")).to_be_focused()
    key = widget.key(page, FORM)
    with page.expect_response(f"**/captcha/{key}.wav") as clip:
        page.keyboard.press("Space")
    assert clip.value.status == 200 and clip.value.headers["content-type"] == "audio/wav"
    expect(widget.widget(page, FORM)).to_have_attribute("data-captcha-guard-playing", "")

    page.keyboard.press("Tab")
    expect(answer).to_be_focused()
    page.keyboard.type(demo.solve(key))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".signed-in")).to_be_visible()


def test_buttons_are_real_named_and_big_enough(page: Page) -> None:
    page.goto("/login/")
    for name in ("refresh", "listen"):
        button = page.locator(f"{FORM} [data-captcha-guard-{name}]")
        expect(button).to_be_visible()
        assert button.evaluate("b => b.tagName") == "BUTTON"
        box = button.bounding_box()
        assert box is not None and box["width"] >= 24 and box["height"] >= 24, (name, box)
    names = page.get_by_role("button", name="Listen"), page.get_by_role("button", name="New picture")
    assert all(locator.count() == 1 for locator in names)


def test_an_error_is_tied_to_the_answer_input(page: Page) -> None:
    page.goto("/login/")
    page.fill("#id_username", "demo")
    page.fill("#id_password", "demo")
    widget.answer(page, FORM, "WRONG")
    with page.expect_navigation():
        page.click(f"{FORM} button[type=submit]")
    answer = page.locator(f"{FORM} [data-captcha-guard-answer]")
    expect(answer).to_have_attribute("aria-invalid", "true")
    ids = (answer.get_attribute("aria-describedby") or "").split()
    described = " ".join(page.locator(f"[id='{i}']").inner_text() for i in ids)
    assert "The captcha answer is wrong" in described


@pytest.mark.parametrize("width", [320, 450])
def test_reflows_at_320_px_and_200_percent_zoom(open_page: Callable[..., Page], demo: DemoServer, width: int) -> None:
    """320 CSS px is WCAG 1.4.10's reflow width; 450 is a 900 px window at 200 % zoom."""
    page = open_page(demo)
    page.set_viewport_size({"width": width, "height": 700})
    page.goto("/login/")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for part in ("image", "refresh", "listen", "answer"):
        box = page.locator(f"{FORM} [data-captcha-guard-{part}]").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (part, box)


def test_dark_scheme_when_the_page_has_one(page: Page) -> None:
    """light-dark(): a light-only page keeps a light widget; a page with a dark scheme gets a dark one."""
    page.emulate_media(color_scheme="dark")
    page.goto("/login/")
    answer = page.locator(f"{FORM} [data-captcha-guard-answer]")
    assert answer.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 255, 255)"
    page.evaluate("() => { document.documentElement.style.colorScheme = 'light dark'; }")
    assert answer.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(30, 33, 37)"


def test_screenshots_of_the_default_look(open_page: Callable[..., Page], demo: DemoServer, screenshots: Path) -> None:
    """docs/images/widget*.png: the default stylesheet, Listen playing, forced colours, 320 px."""
    page = open_page(demo, scale=2)
    page.goto("/login/")
    form = page.locator(FORM)
    widget.wait_shown(widget.image(page, FORM))
    page.fill("#id_username", "demo")
    form.screenshot(path=screenshots / "widget.png")

    page.locator(f"{FORM} [data-captcha-guard-listen]").focus()
    page.keyboard.press("Enter")
    expect(widget.widget(page, FORM)).to_have_attribute("data-captcha-guard-playing", "")
    widget.widget(page, FORM).screenshot(path=screenshots / "widget-listen.png")

    page.emulate_media(forced_colors="active")
    widget.widget(page, FORM).screenshot(path=screenshots / "widget-forced-colours.png")
    page.emulate_media(forced_colors="none")
    page.set_viewport_size({"width": 320, "height": 640})
    form.screenshot(path=screenshots / "widget-320px.png")


@pytest.mark.parametrize("mode", list(MODES))
def test_the_buttons_text_shows_in_every_state(page: Page, mode: str) -> None:
    """Under forced colours a Highlight background once hid the playing Listen button's text."""
    page.emulate_media(**MODES[mode])  # type: ignore[arg-type]
    page.goto("/login/")
    listen = page.locator(f"{FORM} [data-captcha-guard-listen]")
    for playing in (False, True):
        if playing:
            widget.widget(page, FORM).evaluate("w => w.setAttribute('data-captcha-guard-playing', '')")
        shot = Image.open(io.BytesIO(listen.screenshot())).convert("L")
        width, height = shot.size
        # The middle of the button, where its name is drawn: text means dark and light pixels.
        middle = shot.crop((width // 4, height // 3, width * 3 // 4, height * 2 // 3))
        low, high = middle.getextrema()
        assert high - low > 100, (mode, playing, low, high)
