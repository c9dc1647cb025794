"""Validation of the ``CAPTCHA_GUARD`` dict itself (E001-E019, E040-E051).

Each problem carries a stable ID so that projects can silence one in
``SILENCED_SYSTEM_CHECKS`` and tests can compare against it. Most settings only need the
right shape, so they are one row each of :data:`RULES`; settings that name code or carry
structure are checked in :mod:`.structure`, and the picture's own rules come from the
renderer (:mod:`.picture`). Mistakes that depend on other Django settings (sessions,
caches, URLs) are in :mod:`.integration` and :mod:`.stores`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django_captcha_guard.checks import picture, structure
from django_captcha_guard.conf import DEFAULTS, MAX_LENGTH, Problem

__all__ = ["RULES", "Rule", "settings_problems"]


def is_int(value: object) -> bool:
    """A whole number, and not a bool (``True`` is an ``int`` to Python)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_rgb(value: object) -> bool:
    return isinstance(value, (tuple, list)) and len(value) == 3 and all(is_int(c) and 0 <= c <= 255 for c in value)


@dataclass(frozen=True)
class Rule:
    """One setting's shape: ``accepts(value)``, or the problem ``id`` with what it ``expects``."""

    id: str
    setting: str
    accepts: Callable[[Any], bool]
    expects: str
    hint: str

    def problem(self, value: object) -> Problem:
        return Problem(
            f"captcha_guard.{self.id}",
            f"CAPTCHA_GUARD[{self.setting!r}] must be {self.expects}, not {value!r}.",
            self.hint,
        )


def _flag(setting: str) -> Rule:
    return Rule(
        "E017", setting, lambda v: isinstance(v, bool), "True or False", f"The default is {DEFAULTS[setting]!r}."
    )


RULES = (
    Rule(
        "E003",
        "LENGTH",
        lambda v: is_int(v) and 1 <= v <= MAX_LENGTH,
        f"a whole number from 1 to {MAX_LENGTH}",
        "Five characters (the default) balance effort for people and guesses for bots.",
    ),
    Rule(
        "E004",
        "TIMEOUT",
        lambda v: is_int(v) and v > 0,
        "a positive number of seconds",
        "Every challenge must expire; the default is 300 seconds.",
    ),
    Rule(
        "E005",
        "ALPHABET",
        lambda v: isinstance(v, str) and len(set(v)) >= 2 and not any(c.isspace() for c in v),
        "a string of at least two distinct, non-space characters",
        f"The default is {DEFAULTS['ALPHABET']!r}, which leaves out look-alikes such as 0/O and 1/I.",
    ),
    Rule(
        "E007",
        "IMAGE_SIZE",
        lambda v: isinstance(v, (tuple, list)) and len(v) == 2 and all(is_int(n) for n in v),
        "(width, height) in pixels",
        f"The default is {DEFAULTS['IMAGE_SIZE']!r}.",
    ),
    Rule("E008", "FORMAT", lambda v: isinstance(v, str), "a format name", "Use 'PNG' (the default), 'WEBP' or 'JPEG'."),
    Rule(
        "E009",
        "FONTS",
        lambda v: (
            isinstance(v, (list, tuple)) and all(isinstance(p, (str, os.PathLike)) and os.path.isfile(p) for p in v)
        ),
        "a list of paths to font files that exist",
        "Write FONTS = ['/path/to/font.ttf'] (an empty list uses the bundled fonts).",
    ),
    Rule("E010", "BACKGROUND", is_rgb, "an (r, g, b) tuple of 0-255", "The default is (255, 255, 255)."),
    Rule(
        "E012",
        "KEY_FIELD",
        lambda v: isinstance(v, str) and bool(v),
        "a non-empty string",
        "The defaults are 'captcha_key' and 'captcha_answer'.",
    ),
    Rule(
        "E012",
        "ANSWER_FIELD",
        lambda v: isinstance(v, str) and bool(v),
        "a non-empty string",
        "The defaults are 'captcha_key' and 'captcha_answer'.",
    ),
    Rule(
        "E015",
        "RATE_LIMIT",
        lambda v: v is None or (is_int(v) and v > 0),
        "None or a positive number of challenges per minute",
        "The default, 60 a minute per client, is generous for people and costly for floods.",
    ),
    Rule("E015", "RATE_LIMIT_CACHE", lambda v: isinstance(v, str), "a cache alias", "The default is 'default'."),
    Rule(
        "E016",
        "TRUSTED_PROXIES",
        lambda v: is_int(v) and v >= 0,
        "the number of reverse proxies in front of Django (0 or more)",
        "0 (the default) uses REMOTE_ADDR only.",
    ),
    _flag("ENABLED"),
    _flag("CASE_SENSITIVE"),
    _flag("AUDIO"),
    _flag("STYLESHEET"),
    Rule("E040", "DIFFICULTY", lambda v: isinstance(v, str), "a preset name", "Use 'easy', 'normal' or 'hard'."),
    Rule(
        "E041",
        "PALETTE",
        lambda v: isinstance(v, (list, tuple)) and all(is_rgb(c) for c in v),
        "a list of (r, g, b) tuples",
        "Write PALETTE = [(r, g, b), ...], or [] for a fresh random ink per picture.",
    ),
    Rule(
        "E051",
        "PROOF_OF_WORK",
        lambda v: (
            isinstance(v, bool)
            or (
                isinstance(v, dict)
                and set(v) <= {"MAX_NUMBER"}
                and is_int(n := v.get("MAX_NUMBER", 1000))
                and 1000 <= n <= 10_000_000
            )
        ),
        "True, False or {'MAX_NUMBER': n}",
        "MAX_NUMBER bounds the puzzle's hashes (1,000 to 10,000,000); docs/cost.md has measured solve times.",
    ),
)


def settings_problems(user: dict[str, Any]) -> list[Problem]:
    """Every mistake in the user's ``CAPTCHA_GUARD`` dict, each once."""
    if "__not_a_dict__" in user:
        return [Problem("captcha_guard.E001", "CAPTCHA_GUARD must be a dict.", "Set CAPTCHA_GUARD = {...}.")]
    found = []
    unknown = sorted(set(user) - set(DEFAULTS))
    if unknown:
        found.append(
            Problem(
                "captcha_guard.E002",
                f"CAPTCHA_GUARD has unknown keys: {', '.join(map(str, unknown))}.",
                f"Valid keys are: {', '.join(DEFAULTS)}.",
            )
        )
    config = {**DEFAULTS, **user}
    malformed = {rule.setting for rule in RULES if not rule.accepts(config[rule.setting])}
    found += [rule.problem(config[rule.setting]) for rule in RULES if rule.setting in malformed]
    found += structure.problems(config)
    if not malformed & picture.INPUTS:  # the renderer's options can only be built from well-formed settings
        found += picture.problems(config)
    return found
