"""The demo with the other stores: session, memory (one process) and cache (Redis via django-redis)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings
from playwright.sync_api import Page, expect

from django_captcha_guard.core import Reason
from tests.e2e import widget
from tests.e2e.messages import message
from tests.e2e.server import DemoServer, run_demo

pytestmark = pytest.mark.browser

COMMENT = "#comment-form"
REDIS_URL = f"redis://{settings.REDIS_HOST}:{settings.REDIS_PORT}/13"  # the suite's own database
PATTERN = "*captcha-demo*"  # the demo's prefixes in cache mode (store and cache)


@pytest.fixture(scope="module", params=["session", "memory", pytest.param("cache", marks=pytest.mark.redis)])
def store_demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, demo_database: Path
) -> Iterator[DemoServer]:
    store = request.param
    client = redis.Redis.from_url(REDIS_URL) if store == "cache" else None
    if client is not None:
        client.ping()  # fails loudly when Redis is missing
    try:
        with run_demo(tmp_path_factory.mktemp(f"demo-{store}"), demo_database, store, REDIS_URL) as server:
            yield server
    finally:
        if client is not None:
            keys = list(client.scan_iter(PATTERN))
            if keys:
                client.delete(*keys)
            client.close()


def test_comment_accepted_once(open_page: Callable[..., Page], store_demo: DemoServer) -> None:
    page = open_page(store_demo)
    store = store_demo.settings.CAPTCHA_GUARD["STORE"]["BACKEND"]
    page.goto("/")
    expect(page.locator(".store")).to_contain_text(store)
    text = f"stored {secrets.token_hex(4)}"
    page.goto("/comments/")
    widget.wait_shown(widget.image(page, COMMENT))
    if store == "cache":
        with redis.Redis.from_url(REDIS_URL) as client:
            stored = list(client.scan_iter(f"*captcha-demo:*:{widget.key(page, COMMENT)}"))
            assert stored, "the challenge is not in Redis"
    page.fill("#id_author", "Ann")
    page.fill("#id_text", text)
    widget.answer(page, COMMENT, store_demo.solve(widget.key(page, COMMENT)))
    posted = page.locator(COMMENT).evaluate("form => Object.fromEntries(new FormData(form))")
    with page.expect_navigation():
        page.click(f"{COMMENT} button[type=submit]")
    expect(page.locator(".comments li", has_text=text)).to_have_count(1)

    replay = page.request.post(f"{store_demo.url}/comments/", form=posted)
    assert replay.status == 403
    assert message(Reason.EXPIRED, "en") in replay.text()
