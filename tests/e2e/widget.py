"""Reading and driving a captcha widget (``[data-captcha-guard]``) in a Playwright page."""

from __future__ import annotations

from playwright.sync_api import Locator, Page

IMAGE_SHOWN = "img => img.complete && img.naturalWidth > 0"


def widget(page: Page, form: str) -> Locator:
    return page.locator(f"{form} [data-captcha-guard]")


def key(page: Page, form: str) -> str:
    return widget(page, form).locator("[data-captcha-guard-key]").input_value()


def image(page: Page, form: str) -> Locator:
    return widget(page, form).locator("[data-captcha-guard-image]")


def wait_shown(img: Locator) -> int:
    """Wait until the picture has really been decoded; returns its natural width."""
    img.page.wait_for_function(IMAGE_SHOWN, arg=img.element_handle())
    return int(img.evaluate("img => img.naturalWidth"))


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
