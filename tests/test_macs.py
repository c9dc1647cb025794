"""The fast keyed digests are Django's salted_hmac, byte for byte, and follow SECRET_KEY."""

from django.test import override_settings
from django.utils.crypto import salted_hmac

from django_captcha_guard.macs import mac


def test_mac_is_salted_hmac_sha256():
    for salt, value in [("captcha_guard.answer", "login:key:abcde"), ("s", ""), ("captcha_guard.subject", "手机:138")]:
        assert mac(salt, value) == salted_hmac(salt, value, algorithm="sha256").digest()


def test_mac_follows_a_changed_secret_key():
    before = mac("captcha_guard.answer", "value")
    with override_settings(SECRET_KEY="another-secret-key-" + "x" * 40):
        assert mac("captcha_guard.answer", "value") != before
        assert (
            mac("captcha_guard.answer", "value")
            == salted_hmac("captcha_guard.answer", "value", algorithm="sha256").digest()
        )
    assert mac("captcha_guard.answer", "value") == before
