"""Reading and driving a captcha widget (``[data-captcha-guard]``) in a Playwright page."""

from __future__ import annotations

from playwright.sync_api import Locator, Page


def widget(page: Page, form: str) -> Locator:
    return page.locator(f"{form} [data-captcha-guard]")


def key(page: Page, form: str) -> str:
    return widget(page, form).locator("[data-captcha-guard-key]").input_value()


def image(page: Page, form: str) -> Locator:
    return widget(page, form).locator("[data-captcha-guard-image]")


def wait_shown(img: Locator) -> int:
    """Wait until the browser is done with the picture; fail unless it really shows one.

    ``complete`` is also true for a broken image, whose ``naturalWidth`` stays 0.
    """
    img.page.wait_for_function("img => img.complete && img.getAttribute('src')", arg=img.element_handle())
    width = int(img.evaluate("img => img.naturalWidth"))
    assert width > 0, f"the picture {img.get_attribute('src')} did not load"
    return width


def answer(page: Page, form: str, text: str) -> None:
    widget(page, form).locator("[data-captcha-guard-answer]").fill(text)


def refresh(page: Page, form: str) -> str:
    """Click the widget's refresh button; returns the new key once the new picture shows."""
    old = key(page, form)
    widget(page, form).locator("[data-captcha-guard-refresh]").click()
    page.wait_for_function(
        "([form, old]) => document.querySelector(form + ' [data-captcha-guard-key]').value !== old",
        arg=[form, old],
    )
    wait_shown(image(page, form))
    return key(page, form)


def wrong(answer_text: str) -> str:
    """An answer that differs from the right one in its first character (whatever the case)."""
    first = "A" if answer_text[:1].upper() != "A" else "C"
    return first + answer_text[1:]
