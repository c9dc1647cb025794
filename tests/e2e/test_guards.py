"""The comment page (middleware only), the async view (decorator) and the two-captcha page."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from django_captcha_guard.core import Reason
from tests.e2e import widget
from tests.e2e.messages import message
from tests.e2e.server import DemoServer

pytestmark = pytest.mark.browser

COMMENT = "#comment-form"
ASK = "#ask-form"
NEWSLETTER = "#newsletter-form"
FEEDBACK = "#feedback-form"


def comment_on(page: Page, text: str, answer: str) -> None:
    page.fill("#id_author", "Ann")
    page.fill("#id_text", text)
    widget.answer(page, COMMENT, answer)


def test_middleware_rejects_wrong_answer_with_translated_page(page: Page, demo: DemoServer, screenshots: Path) -> None:
    page.goto("/comments/")
    old_key = widget.key(page, COMMENT)
    comment_on(page, "never published", widget.wrong(demo.solve(old_key)))

    with page.expect_navigation() as navigation:
        page.click(f"{COMMENT} button[type=submit]")

    assert navigation.value is not None and navigation.value.status == 403
    expect(page.locator(".captcha-guard-error")).to_have_text(message(Reason.WRONG, "en"))
    page.screenshot(path=screenshots / "comment-rejected.png")
    with page.expect_navigation():
        page.click("main a")  # "Go back and try again"
    assert widget.key(page, COMMENT) != old_key
    widget.wait_shown(widget.image(page, COMMENT))
    expect(page.locator(".comments")).not_to_contain_text("never published")


def test_middleware_accepts_right_answer_once(page: Page, demo: DemoServer) -> None:
    text = f"hello {secrets.token_hex(4)}"
    page.goto("/comments/")
    comment_on(page, text, demo.solve(widget.key(page, COMMENT)))
    posted = page.locator(COMMENT).evaluate("form => Object.fromEntries(new FormData(form))")

    with page.expect_navigation():
        page.click(f"{COMMENT} button[type=submit]")
    expect(page.locator(".comments li", has_text=text)).to_have_count(1)

    # The very same submission again: the challenge was used up.
    replay = page.request.post(f"{demo.url}/comments/", form=posted)
    assert replay.status == 403
    assert message(Reason.EXPIRED, "en") in replay.text()
    page.reload()
    expect(page.locator(".comments li", has_text=text)).to_have_count(1)


def test_async_view_is_protected(page: Page, demo: DemoServer) -> None:
    page.goto("/ask/")
    page.fill("#id_question", "Does it work with async views?")
    widget.answer(page, ASK, widget.wrong(demo.solve(widget.key(page, ASK))))
    with page.expect_navigation() as navigation:
        page.click(f"{ASK} button[type=submit]")
    assert navigation.value is not None and navigation.value.status == 403
    expect(page.locator(".captcha-guard-error")).to_have_text(message(Reason.WRONG, "en"))

    page.goto("/ask/")
    page.fill("#id_question", "Does it work with async views?")
    widget.answer(page, ASK, demo.solve(widget.key(page, ASK)))
    with page.expect_navigation():
        page.click(f"{ASK} button[type=submit]")
    expect(page.locator(".answered")).to_be_visible()


def test_two_captchas_work_independently(page: Page, demo: DemoServer, screenshots: Path) -> None:
    page.goto("/two/")
    for form in (NEWSLETTER, FEEDBACK):
        widget.wait_shown(widget.image(page, form))
    feedback_key = widget.key(page, FEEDBACK)
    assert widget.key(page, NEWSLETTER) != feedback_key

    # Refreshing one picture leaves the other alone.
    newsletter_key = widget.refresh(page, NEWSLETTER)
    assert widget.key(page, FEEDBACK) == feedback_key

    # The newsletter's solved challenge does not open the feedback form (scopes differ).
    page.fill("#id_message", "Nice demo")
    page.locator(f"{FEEDBACK} [data-captcha-guard-key]").evaluate(
        "(input, key) => { input.value = key; }", newsletter_key
    )
    widget.answer(page, FEEDBACK, demo.solve(newsletter_key))
    with page.expect_navigation():
        page.click(f"{FEEDBACK} button[type=submit]")
    expect(page.locator(f"{FEEDBACK} .errorlist")).to_contain_text(message(Reason.WRONG, "en"))
    expect(page.locator(f"{NEWSLETTER} .errorlist")).to_have_count(0)
    page.screenshot(path=screenshots / "two-captchas.png", full_page=True)

    # Each form passes with its own answer, one after the other.
    page.fill("#id_email", "ann@example.com")
    widget.answer(page, NEWSLETTER, demo.solve(widget.key(page, NEWSLETTER)))
    with page.expect_navigation():
        page.click(f"{NEWSLETTER} button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("You are subscribed.")

    page.fill("#id_message", "Nice demo")
    widget.answer(page, FEEDBACK, demo.solve(widget.key(page, FEEDBACK)))
    with page.expect_navigation():
        page.click(f"{FEEDBACK} button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("Thank you for your feedback.")
