"""captcha_guard.js in a real browser: focus and clearing, expiry, the app API, and life without it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e import widget
from tests.e2e.server import DemoServer

pytestmark = pytest.mark.browser

FORM = "#login-form"
ANSWER = f"{FORM} [data-captcha-guard-answer]"


def key_changed(page: Page, old: str) -> None:
    page.wait_for_function(
        "([form, old]) => document.querySelector(form + ' [data-captcha-guard-key]').value !== old",
        arg=[FORM, old],
    )


def test_click_clears_the_old_answer_and_focuses_the_input(page: Page) -> None:
    page.goto("/login/")
    widget.answer(page, FORM, "ABCDE")
    page.focus("#id_username")

    widget.refresh(page, FORM)

    expect(page.locator(ANSWER)).to_have_value("")
    expect(page.locator(ANSWER)).to_be_focused()


def test_refresh_button_is_keyboard_reachable(page: Page) -> None:
    page.goto("/login/")
    button = widget.widget(page, FORM).locator("[data-captcha-guard-refresh]")
    expect(button).to_be_visible()
    old = widget.key(page, FORM)
    button.focus()
    page.keyboard.press("Enter")
    key_changed(page, old)


def test_expired_picture_is_replaced_without_stealing_focus(open_page: Callable[..., Page], demo: DemoServer) -> None:
    page = open_page(demo)
    page.clock.install()
    page.goto("/login/")
    old = widget.key(page, FORM)
    expires_in = int(widget.widget(page, FORM).get_attribute("data-expires-in") or "0")
    page.focus("#id_username")

    page.clock.run_for(expires_in * 1000 + 1000)

    key_changed(page, old)
    assert widget.wait_shown(widget.image(page, FORM)) > 0
    expect(page.locator("#id_username")).to_be_focused()
    assert page.request.get(f"/captcha/{old}.png").status == 410  # the expired one was retired


def test_apps_can_refresh_through_the_api(page: Page) -> None:
    """An SPA form calls CaptchaGuard.refresh(element) after a failed fetch POST."""
    page.goto("/login/")
    old = widget.key(page, FORM)
    data = page.evaluate("selector => window.CaptchaGuard.refresh(document.querySelector(selector))", ANSWER)
    assert data["key"] == widget.key(page, FORM) != old
    assert data["image_url"] == widget.image(page, FORM).get_attribute("src")
    assert f"{data['image_url']}?scale=2 2x" in (widget.image(page, FORM).get_attribute("srcset") or "")
    rejected = page.evaluate("() => window.CaptchaGuard.refresh(document.body).then(() => 'ok', e => e.message)")
    assert "data-captcha-guard" in rejected


def test_a_second_script_hooks_in_before_or_after_this_one(page: Page) -> None:
    """CaptchaGuard.use(fn) and window.CaptchaGuardFeatures: how another static file adds a feature."""
    # Before captcha_guard.js runs (an init script comes first): the queue.
    page.context.add_init_script(
        "window.CaptchaGuardFeatures = [(w, api) => w.setAttribute('data-early', api.part(w, 'key').value)];"
    )
    page.goto("/two/")
    widgets = page.locator("[data-captcha-guard]")
    expect(widgets).to_have_count(2)
    for index in range(2):
        w = widgets.nth(index)
        assert w.get_attribute("data-early") == w.locator("[data-captcha-guard-key]").input_value()
    # After it ran: use() reaches the widgets already set up, and init() brings new ones in.
    page.evaluate("() => CaptchaGuard.use((w, api) => api.announce(w, 'hooked'))")
    expect(page.locator("[data-captcha-guard-status]").first).to_have_text("hooked")
    page.evaluate(
        """() => {
            const copy = document.querySelector("[data-captcha-guard]").cloneNode(true);
            copy.removeAttribute("data-captcha-guard-ready");
            copy.id = "late";
            copy.querySelector("[data-captcha-guard-status]").textContent = "";
            document.querySelector("main").append(copy);
            CaptchaGuard.init(document);
        }"""
    )
    expect(page.locator("#late [data-captcha-guard-status]")).to_have_text("hooked")
    assert page.locator("#late").get_attribute("data-early")


def test_without_javascript_the_form_still_works(browser: Browser, demo: DemoServer) -> None:
    context = browser.new_context(base_url=demo.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/login/")
        expect(widget.widget(page, FORM).locator("[data-captcha-guard-refresh]")).to_be_hidden()
        expect(widget.widget(page, FORM).locator("[data-captcha-guard-listen]")).to_be_hidden()
        assert widget.wait_shown(widget.image(page, FORM)) > 0
        page.fill("#id_username", "demo")
        page.fill("#id_password", "demo")
        widget.answer(page, FORM, demo.solve(widget.key(page, FORM)))
        with page.expect_navigation():
            page.click(f"{FORM} button[type=submit]")
        expect(page.locator(".signed-in")).to_contain_text("demo")
    finally:
        context.close()
