"""Every mistake in the CAPTCHA_GUARD dict is a system check error with a stable ID and a hint,
and using the broken settings anyway raises ImproperlyConfigured naming the same problem."""

from __future__ import annotations

import random

import pytest
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from django_captcha_guard import image
from django_captcha_guard.checks.registry import check_settings
from django_captcha_guard.checks.settings import RULES
from django_captcha_guard.conf import get_settings
from django_captcha_guard.render import minimum_size

NOT_A_FONT = __file__  # exists, but is no font

BAD_SETTINGS = [
    ({"LENGTH": 0}, "E003", "LENGTH"),
    ({"LENGTH": 40}, "E003", "LENGTH"),
    ({"LENGTH": "5"}, "E003", "LENGTH"),
    ({"TIMEOUT": 0}, "E004", "TIMEOUT"),
    ({"TIMEOUT": -1}, "E004", "TIMEOUT"),
    ({"ALPHABET": "A"}, "E005", "ALPHABET"),
    ({"CHALLENGE": "no.such.challenge"}, "E006", "CHALLENGE"),
    ({"CHALLENGE": "mathematics"}, "E006", "CHALLENGE"),
    ({"IMAGE_SIZE": (40, 20)}, "E007", "IMAGE_SIZE"),
    ({"IMAGE_SIZE": (60, 60), "LENGTH": 12}, "E007", "IMAGE_SIZE"),
    ({"IMAGE_SIZE": (100, 60), "CHALLENGE": "arithmetic"}, "E007", "IMAGE_SIZE"),
    ({"IMAGE_SIZE": "160x60"}, "E007", "IMAGE_SIZE"),
    ({"FORMAT": "GIF"}, "E008", "FORMAT"),
    ({"FONTS": ["/no/such/font.ttf"]}, "E009", "FONTS"),
    ({"FONTS": "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"}, "E009", "FONTS"),
    ({"BACKGROUND": "white"}, "E010", "BACKGROUND"),
    ({"BACKGROUND": (255, 255, 256)}, "E010", "BACKGROUND"),
    ({"FORMAT": 5}, "E008", "FORMAT"),
    ({"KEY_FIELD": ""}, "E012", "KEY_FIELD"),
    ({"ANSWER_FIELD": 7}, "E012", "ANSWER_FIELD"),
    ({"ANSWER_FIELD": "captcha_key"}, "E012", "ANSWER_FIELD"),
    ({"STORE": {"BACKEND": "no.such.Store"}}, "E011", "STORE"),
    ({"PROTECTED_ROUTES": "/login/"}, "E013", "PROTECTED_ROUTES"),
    ({"PROTECTED_ROUTES": [{"route": "/x/", "methods": ["GET"]}]}, "E013", "PROTECTED_ROUTES"),
    ({"FAILURE_VIEW": "no.such.view"}, "E014", "FAILURE_VIEW"),
    ({"RATE_LIMIT": 0}, "E015", "RATE_LIMIT"),
    ({"RATE_LIMIT_CACHE": None}, "E015", "RATE_LIMIT_CACHE"),
    ({"TRUSTED_PROXIES": -1}, "E016", "TRUSTED_PROXIES"),
    ({"ENABLED": "yes"}, "E017", "ENABLED"),
    ({"CASE_SENSITIVE": 1}, "E017", "CASE_SENSITIVE"),
    ({"AUDIO": None}, "E017", "AUDIO"),
    ({"STYLESHEET": "off"}, "E017", "STYLESHEET"),
    ({"DIFFICULTY": 3}, "E040", "DIFFICULTY"),
    ({"PROGRESSIVE": ["login"]}, "E050", "PROGRESSIVE"),
    ({"PROGRESSIVE": {"login": {"THRESHOLD": 0}}}, "E050", "PROGRESSIVE"),
    ({"PROOF_OF_WORK": {"MAX_NUMBER": 10}}, "E051", "PROOF_OF_WORK"),
    ({"FAILURE_VIEW": "tests.test_settings_checks.failure_view_without_reason"}, "E018", "FAILURE_VIEW"),
    ({"DIFFICULTY": "impossible"}, "E040", "DIFFICULTY"),
    ({"PALETTE": "#000000"}, "E041", "PALETTE"),
    ({"PALETTE": [(250, 250, 250)]}, "E041", "PALETTE"),
    ({"FONTS": [NOT_A_FONT]}, "E042", "FONTS"),
    ({"ALPHABET": "ABCÄÖÜ"}, "E043", "ALPHABET"),
]


def test_every_shape_rule_has_a_failing_case():
    """A new row in RULES without a case here would be a rule nothing shows can fail."""
    assert {rule.setting for rule in RULES} <= {setting for _, _, setting in BAD_SETTINGS}


def run_checks() -> list[checks.CheckMessage]:
    return check_settings()


def test_the_default_settings_pass_every_check():
    assert run_checks() == []


@pytest.mark.parametrize(("bad", "code", "setting"), BAD_SETTINGS, ids=[f"{c}-{s}-{b}" for b, c, s in BAD_SETTINGS])
def test_each_bad_value_is_one_error_naming_the_setting_with_a_hint(bad, code, setting):
    with override_settings(CAPTCHA_GUARD=bad):
        found = run_checks()
        assert [m.id for m in found] == [f"captcha_guard.{code}"]
        error = found[0]
        assert error.level == checks.ERROR
        assert setting in error.msg
        assert error.hint
        with pytest.raises(ImproperlyConfigured, match=f"captcha_guard.{code}"):
            get_settings()


def failure_view_without_reason(request):
    """A FAILURE_VIEW that forgot the ``reason`` argument."""


# One broken setting per rule the renderer depends on, so each rule is exercised.
RENDERING_RULES = {"E003", "E005", "E007", "E009", "E010"}


@pytest.mark.parametrize("bad", [b for b, code, _ in BAD_SETTINGS if code in RENDERING_RULES])
def test_rendering_with_broken_settings_raises_improperly_configured_not_a_pillow_error(bad):
    with override_settings(CAPTCHA_GUARD=bad), pytest.raises(ImproperlyConfigured):
        image.render("ABCDE", random.Random(1))


@override_settings(CAPTCHA_GUARD={"LENGHT": 6})
def test_unknown_keys_are_reported_with_the_valid_ones():
    (error,) = run_checks()
    assert error.id == "captcha_guard.E002" and "LENGHT" in error.msg and "LENGTH" in error.hint


@override_settings(CAPTCHA_GUARD=["LENGTH", 5])
def test_a_settings_value_that_is_not_a_dict_is_reported():
    assert [m.id for m in run_checks()] == ["captcha_guard.E001"]


@override_settings(CAPTCHA_GUARD={"TIMEOUT": 0, "FORMAT": "BMP"})
def test_manage_py_check_fails_and_lists_every_problem():
    with pytest.raises(SystemCheckError) as raised:
        call_command("check")
    assert "captcha_guard.E004" in str(raised.value) and "captcha_guard.E008" in str(raised.value)


@pytest.mark.parametrize(
    "good",
    [
        {"LENGTH": 12, "IMAGE_SIZE": minimum_size(12)},
        {"CHALLENGE": "arithmetic", "IMAGE_SIZE": minimum_size(9)},
        {"FONTS": ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"], "ALPHABET": "ÄÖÜ"},
        {"PALETTE": [(0, 0, 0), [120, 0, 0]], "DIFFICULTY": "hard"},
        {"BACKGROUND": (0, 0, 0), "PALETTE": [(255, 255, 0)]},
    ],
)
def test_good_values_at_the_edges_pass(good):
    with override_settings(CAPTCHA_GUARD=good):
        assert run_checks() == []
        image.render("ABC", random.Random(1))
