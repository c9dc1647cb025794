"""Helpers for the integration tests: real challenges in the memory store, solved from their key."""

from __future__ import annotations

from typing import Any

from django.test import RequestFactory

from django_captcha_guard import core
from django_captcha_guard.challenges import challenge_for
from django_captcha_guard.storage import get_storage

MEMORY = {"BACKEND": "memory"}


def challenge(scope: str = "") -> tuple[str, str]:
    """Issue a real challenge and return (key, answer), as a user reading the picture would."""
    key = core.issue(RequestFactory().get("/"), scope)
    return key, challenge_for(key)[0].answer


def fields(key: str, answer: str) -> dict[str, Any]:
    return {"captcha_key": key, "captcha_answer": answer}


def wrong(answer: str) -> str:
    """An answer that differs from ``answer`` after normalisation."""
    return answer + "X"


def alive(key: str) -> bool:
    """Whether the challenge is still in the store (not consumed)."""
    return get_storage().get(RequestFactory().get("/"), key) is not None
