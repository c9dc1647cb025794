"""Helpers for your own tests: solve a real challenge instead of switching checks off.

The answer is computed from the key and ``SECRET_KEY`` exactly as the image view draws the
picture, so a test exercises the real issue-and-verify path. There is no magic answer
that always passes. Only call these from tests: anyone holding ``SECRET_KEY`` can solve
every challenge, which is why the key never leaves the server.
"""

from __future__ import annotations

import hashlib
from html.parser import HTMLParser
from typing import Any

from django.http import HttpResponse

from django_captcha_guard import proof_of_work
from django_captcha_guard.challenges import challenge_for
from django_captcha_guard.conf import get_config
from django_captcha_guard.keys import is_valid_key

__all__ = ["solve", "solve_work", "solved_fields", "stamp"]


def solve(key: str) -> str:
    """The answer to the challenge ``key`` (whether or not it is still live)."""
    if not is_valid_key(key):
        raise ValueError(f"{key!r} is not a captcha key.")
    challenge, _rng = challenge_for(key)
    return challenge.answer


def stamp(key: str, max_number: int) -> str:
    """The proof-of-work stamp for ``key``'s puzzle of difficulty ``max_number``, without the search."""
    return f"{max_number}:{proof_of_work.secret_number(proof_of_work.salt(key, max_number), max_number)}"


def solve_work(puzzle: dict[str, Any]) -> str:
    """The stamp for ``puzzle`` (a widget's or ``captcha/new/``'s ``pow``), found by the search a browser does.

    For benchmarks and tests that must pay what a client pays: about ``max_number / 2`` hashes.
    """
    salt, target, maximum = puzzle["salt"], puzzle["challenge"], int(puzzle["max_number"])
    for number in range(maximum + 1):
        if hashlib.sha256(f"{salt}{number}".encode()).hexdigest() == target:
            return f"{maximum}:{number}"
    raise ValueError("No number up to max_number solves this puzzle.")


def solved_fields(page: HttpResponse | str, index: int = 0) -> dict[str, str]:
    """The POST fields that answer a captcha on a rendered page: ``{KEY_FIELD: key, ANSWER_FIELD: answer}``.

    With ``PROOF_OF_WORK`` on they include the widget's stamp too (computed from the key,
    not searched for).

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
    fields = {config.key_field: key, config.answer_field: solve(key)}
    if len(finder.difficulties) > index:
        fields[proof_of_work.FIELD] = stamp(key, finder.difficulties[index])
    return fields


class _KeyFinder(HTMLParser):
    """Collects the values of ``<input name=KEY_FIELD>`` and the puzzles' difficulties, whatever the attribute order."""

    def __init__(self, field: str) -> None:
        super().__init__()
        self.field = field
        self.keys: list[str] = []
        self.difficulties: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "input" and values.get("name") == self.field and values.get("value"):
            self.keys.append(str(values["value"]))
        if tag == "input" and "data-captcha-guard-pow" in values:
            self.difficulties.append(int(values.get("data-max-number") or 0))
