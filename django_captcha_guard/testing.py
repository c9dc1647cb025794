"""Helpers for your own tests: solve a real challenge instead of switching checks off.

The answer is computed from the key and ``SECRET_KEY`` exactly as the image view draws the
picture, so a test exercises the real issue-and-verify path. There is no magic answer
that always passes. Only call these from tests: anyone holding ``SECRET_KEY`` can solve
every challenge, which is why the key never leaves the server.
"""

from __future__ import annotations

from html.parser import HTMLParser

from django.http import HttpResponse

from django_captcha_guard.challenges import challenge_for
from django_captcha_guard.conf import get_config
from django_captcha_guard.core import is_valid_key


def solve(key: str) -> str:
    """The answer to the challenge ``key`` (whether or not it is still live)."""
    if not is_valid_key(key):
        raise ValueError(f"{key!r} is not a captcha key.")
    challenge, _rng = challenge_for(key)
    return challenge.answer


def solved_fields(page: HttpResponse | str, index: int = 0) -> dict[str, str]:
    """The POST fields that answer a captcha on a rendered page: ``{KEY_FIELD: key, ANSWER_FIELD: answer}``.

    ``page`` is a test-client response or its HTML; ``index`` picks the widget when the
    page has several. Merge the result into the data you post::

        page = client.get("/login/")
        client.post("/login/", {"username": "ann", "password": "...", **solved_fields(page)})
    """
    if isinstance(page, HttpResponse):
        page = page.content.decode(page.charset or "utf-8")
    config = get_config()
    finder = _KeyFinder(config.key_field)
    finder.feed(page)
    if len(finder.keys) <= index:
        raise AssertionError(f"The page has {len(finder.keys)} captcha widget(s); widget {index} was asked for.")
    key = finder.keys[index]
    return {config.key_field: key, config.answer_field: solve(key)}


class _KeyFinder(HTMLParser):
    """Collects the values of ``<input name=KEY_FIELD>``, whatever the attribute order."""

    def __init__(self, field: str) -> None:
        super().__init__()
        self.field = field
        self.keys: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "input" and values.get("name") == self.field and values.get("value"):
            self.keys.append(str(values["value"]))
