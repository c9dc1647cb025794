"""Keys carry a tag of the site's secret: made-up keys are told apart without a store."""

from __future__ import annotations

import base64

from django.test import override_settings

from django_captcha_guard.keys import KEY_LENGTH, is_issued, is_valid_key, new_key


def test_new_keys_are_valid_distinct_and_issued() -> None:
    keys = {new_key() for _ in range(1000)}
    assert len(keys) == 1000
    assert all(len(key) == KEY_LENGTH and is_valid_key(key) and is_issued(key) for key in keys)


def test_a_key_of_the_right_shape_but_made_up_is_not_issued() -> None:
    assert not is_issued("A" * KEY_LENGTH)
    key = new_key()
    raw = bytearray(base64.urlsafe_b64decode(key + "=="))
    for position in range(len(raw)):  # any byte changed, random part or tag
        changed = raw.copy()
        changed[position] ^= 0x01
        assert not is_issued(base64.urlsafe_b64encode(bytes(changed)).rstrip(b"=").decode())


def test_keys_are_tagged_with_the_secret_key() -> None:
    key = new_key()
    with override_settings(SECRET_KEY="another-secret-" + "k" * 40):
        assert not is_issued(key)
        assert is_issued(new_key())
    assert is_issued(key)
