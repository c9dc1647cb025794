"""Helpers for the integration tests: real challenges in the memory store, solved from their key."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.test import RequestFactory

from django_captcha_guard import core
from django_captcha_guard.challenges import draw
from django_captcha_guard.storage import BaseStore, Entry, StoreUnavailable, get_storage

MEMORY = {"BACKEND": "memory"}
DOWN = {"BACKEND": "tests.integration.DownStore"}


def challenge(scope: str = "") -> tuple[str, str]:
    """Issue a real challenge and return (key, answer), as a user reading the picture would."""
    key = core.issue(RequestFactory().get("/"), scope)
    return key, draw(key)[0].answer


def fields(key: str, answer: str) -> dict[str, Any]:
    return {"captcha_key": key, "captcha_answer": answer}


def wrong(answer: str) -> str:
    """An answer that differs from ``answer`` after normalisation."""
    return answer + "X"


def alive(key: str) -> bool:
    """Whether the challenge is still in the store (not consumed)."""
    return get_storage().get(RequestFactory().get("/"), key) is not None


class DownStore(BaseStore):
    """A store whose service is down, as a Redis outage looks to the rest of the package."""

    def save(self, request: HttpRequest, key: str, entry: Entry, timeout: int) -> None:
        raise StoreUnavailable("down")

    def get(self, request: HttpRequest, key: str) -> Entry | None:
        raise StoreUnavailable("down")

    def pop(self, request: HttpRequest, key: str) -> Entry | None:
        raise StoreUnavailable("down")
