"""Challenge functions: what the picture shows, what answers it, and where the randomness comes from."""

from __future__ import annotations

import random
import re

import pytest
from django.test import Client, override_settings

from django_captcha_guard import challenges, core
from django_captcha_guard.challenges import Challenge, arithmetic, challenge_for, text
from django_captcha_guard.conf import DEFAULTS, Config, get_config

LOOK_ALIKES = ["0O", "1Il", "5S", "2Z"]


def fixed_challenge(rng: random.Random, config: Config) -> Challenge:
    """A custom challenge, loaded through CHALLENGE by dotted path."""
    return Challenge(display="HELLO", answer="hello")


def test_text_draws_length_characters_from_the_alphabet():
    config = get_config()
    for seed in range(200):
        challenge = text(random.Random(seed), config)
        assert len(challenge.answer) == config.length == 5
        assert set(challenge.answer) <= set(config.alphabet)
        assert challenge.display == challenge.answer


def test_default_alphabet_has_no_look_alikes():
    for group in LOOK_ALIKES:
        assert sum(c in DEFAULTS["ALPHABET"] for c in group) <= 1, group


@override_settings(CAPTCHA_GUARD={"LENGTH": 8, "ALPHABET": "ab"})
def test_length_and_alphabet_are_configurable():
    answers = {challenge_for(core.new_key())[0].answer for _ in range(30)}
    assert all(len(a) == 8 and set(a) <= {"a", "b"} for a in answers)


def test_arithmetic_shows_a_sum_and_the_answer_is_its_value():
    operations = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "×": lambda a, b: a * b}
    seen = set()
    for seed in range(500):
        challenge = arithmetic(random.Random(seed), get_config())
        match = re.fullmatch(r"(\d+) ([+\-×]) (\d+) =", challenge.display)
        assert match, challenge.display
        a, operator, b = int(match[1]), match[2], int(match[3])
        assert challenge.answer == str(operations[operator](a, b))
        assert int(challenge.answer) >= 1  # no zero or negative answers to type
        seen.add(operator)
    assert seen == {"+", "-", "×"}


@override_settings(CAPTCHA_GUARD={"CHALLENGE": "arithmetic"})
def test_challenge_setting_accepts_a_short_name():
    challenge, _ = challenge_for(core.new_key())
    assert challenge.display.endswith(" =")


@override_settings(CAPTCHA_GUARD={"CHALLENGE": "tests.test_challenges.fixed_challenge"})
def test_challenge_setting_accepts_a_dotted_path():
    assert challenges.get_challenge_function() is fixed_challenge
    assert challenge_for(core.new_key())[0] == Challenge("HELLO", "hello")


def test_the_same_key_draws_the_same_challenge_and_the_secret_key_changes_it():
    key = core.new_key()
    (first, rng), (again, rng_again) = challenge_for(key), challenge_for(key)
    assert first == again
    assert rng.random() == rng_again.random()  # the picture's noise comes from the same stream
    keys = [core.new_key() for _ in range(5)]
    mine = [challenge_for(k)[0] for k in keys]
    with override_settings(SECRET_KEY="another-secret"):
        theirs = [challenge_for(k)[0] for k in keys]
    assert mine != theirs


@pytest.mark.django_db
@override_settings(CAPTCHA_GUARD={"STORE": {"BACKEND": "memory", "OPTIONS": {}}})
def test_issuing_and_rendering_never_touch_the_global_random_module():
    state = random.getstate()
    response = Client().get("/captcha/new/")
    assert response.status_code == 200
    image = Client().get(response.json()["image_url"])
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert random.getstate() == state
