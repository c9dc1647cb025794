"""The one verification path: single use, digests, bad input."""

from __future__ import annotations

import random

import pytest
from django.test import override_settings

from django_captcha_guard import core
from django_captcha_guard.challenges import challenge_for
from django_captcha_guard.core import Reason


def test_keys_come_from_secrets_and_match_the_pattern() -> None:
    keys = {core.new_key() for _ in range(100)}
    assert len(keys) == 100
    assert all(core.is_valid_key(k) for k in keys)


@pytest.mark.parametrize("key", ["", "short", "a" * 23, "a" * 21 + "!", "a" * 21 + "\x00", "k" * 10240, None, 5])
def test_malformed_keys_are_rejected(key: object) -> None:
    assert not core.is_valid_key(key)


def test_digest_is_bound_to_key_and_scope() -> None:
    key, other = core.new_key(), core.new_key()
    assert core.digest(key, "ABCDE") == core.digest(key, " abcde ")
    assert core.digest(key, "ABCDE") != core.digest(other, "ABCDE")
    assert core.digest(key, "ABCDE", "login") != core.digest(key, "ABCDE", "signup")


@override_settings(CAPTCHA_GUARD={"CASE_SENSITIVE": True})
def test_case_sensitive_setting() -> None:
    key = core.new_key()
    assert core.digest(key, "ABCDE") != core.digest(key, "abcde")


def test_draw_is_deterministic_per_key_and_leaves_global_random_alone() -> None:
    state = random.getstate()
    key = core.new_key()
    first, _ = challenge_for(key)
    second, _ = challenge_for(key)
    assert first == second
    assert random.getstate() == state


def test_reason_messages_are_distinct() -> None:
    messages = {core.Result(reason).message for reason in Reason}
    assert len(messages) == len(Reason)
