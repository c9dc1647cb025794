"""Validation of the ``CAPTCHA_GUARD`` dict itself.

Each problem carries a stable ID so that projects can silence one in
``SILENCED_SYSTEM_CHECKS`` and tests can compare against it. Integration mistakes that
depend on other settings (sessions, caches, URLs) are in ``integration`` and ``stores``.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from typing import Any

from django.utils.module_loading import import_string

from django_captcha_guard.conf import (
    CHALLENGE_ALIASES,
    DEFAULTS,
    MAX_LENGTH,
    SAFE_METHODS,
    STORE_ALIASES,
    Problem,
)


def settings_problems(user: dict[str, Any]) -> list[Problem]:
    if "__not_a_dict__" in user:
        return [Problem("captcha_guard.E001", "CAPTCHA_GUARD must be a dict.", "Set CAPTCHA_GUARD = {...}.")]
    unknown = sorted(set(user) - set(DEFAULTS))
    found = []
    if unknown:
        found.append(
            Problem(
                "captcha_guard.E002",
                f"CAPTCHA_GUARD has unknown keys: {', '.join(map(str, unknown))}.",
                f"Valid keys are: {', '.join(DEFAULTS)}.",
            )
        )
    config = {**DEFAULTS, **user}
    for check in CHECKS:
        problem = check(config)
        if problem:
            found.append(problem)
    return found


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _length(config: dict[str, Any]) -> Problem | None:
    if not _is_int(config["LENGTH"]) or not 1 <= config["LENGTH"] <= MAX_LENGTH:
        return Problem(
            "captcha_guard.E003",
            f"CAPTCHA_GUARD['LENGTH'] must be a whole number from 1 to {MAX_LENGTH}, not {config['LENGTH']!r}.",
            "Five characters (the default) balance effort for people and guesses for bots.",
        )
    return None


def _timeout(config: dict[str, Any]) -> Problem | None:
    if not _is_int(config["TIMEOUT"]) or config["TIMEOUT"] <= 0:
        return Problem(
            "captcha_guard.E004",
            f"CAPTCHA_GUARD['TIMEOUT'] must be a positive number of seconds, not {config['TIMEOUT']!r}.",
            "Every challenge must expire; the default is 300 seconds.",
        )
    return None


def _alphabet(config: dict[str, Any]) -> Problem | None:
    alphabet = config["ALPHABET"]
    if not isinstance(alphabet, str) or len(set(alphabet)) < 2 or any(c.isspace() for c in alphabet):
        return Problem(
            "captcha_guard.E005",
            "CAPTCHA_GUARD['ALPHABET'] must be a string of at least two distinct, non-space characters.",
            f"The default is {DEFAULTS['ALPHABET']!r}, which leaves out look-alikes such as 0/O and 1/I.",
        )
    return None


def _challenge(config: dict[str, Any]) -> Problem | None:
    path = config["CHALLENGE"]
    try:
        function = import_string(CHALLENGE_ALIASES.get(path, path)) if isinstance(path, str) else None
    except ImportError:
        function = None
    if not callable(function):
        return Problem(
            "captcha_guard.E006",
            f"CAPTCHA_GUARD['CHALLENGE'] {path!r} is not an importable function.",
            "Use 'text', 'arithmetic' or a dotted path to a function (rng, settings) -> Challenge.",
        )
    return None


def _image_size(config: dict[str, Any]) -> Problem | None:
    size = config["IMAGE_SIZE"]
    if not (isinstance(size, (tuple, list)) and len(size) == 2 and all(_is_int(n) for n in size)):
        return Problem(
            "captcha_guard.E007",
            f"CAPTCHA_GUARD['IMAGE_SIZE'] must be (width, height) in pixels, not {size!r}.",
            f"The default is {DEFAULTS['IMAGE_SIZE']!r}.",
        )
    return _picture_rule(config, "size")


def _format(config: dict[str, Any]) -> Problem | None:
    return _picture_rule(config, "image_format")


def _fonts(config: dict[str, Any]) -> Problem | None:
    fonts = config["FONTS"]
    if not isinstance(fonts, (list, tuple)):
        return Problem(
            "captcha_guard.E009",
            "CAPTCHA_GUARD['FONTS'] must be a list of font file paths, not a string.",
            "Write FONTS = ['/path/to/font.ttf'] (an empty list uses the bundled fonts).",
        )
    missing = [path for path in fonts if not (isinstance(path, (str, os.PathLike)) and os.path.isfile(path))]
    if missing:
        return Problem(
            "captcha_guard.E009",
            f"CAPTCHA_GUARD['FONTS'] names files that do not exist: {', '.join(map(str, missing))}.",
            "Give absolute paths to TrueType or OpenType files.",
        )
    return None


def _colour(config: dict[str, Any]) -> Problem | None:
    colour = config["BACKGROUND"]
    if not (
        isinstance(colour, (tuple, list)) and len(colour) == 3 and all(_is_int(c) and 0 <= c <= 255 for c in colour)
    ):
        return Problem(
            "captcha_guard.E010",
            f"CAPTCHA_GUARD['BACKGROUND'] must be an (r, g, b) tuple of 0-255, not {colour!r}.",
            "The default is (255, 255, 255).",
        )
    return None


def _store(config: dict[str, Any]) -> Problem | None:
    from django_captcha_guard.storage.base import BaseStore

    store = config["STORE"]
    hint = "Write STORE = {'BACKEND': 'database' | 'cache' | 'session' | 'memory' | 'dotted.path', 'OPTIONS': {...}}."
    if not (
        isinstance(store, dict) and isinstance(store.get("BACKEND"), str) and isinstance(store.get("OPTIONS", {}), dict)
    ):
        return Problem("captcha_guard.E011", "CAPTCHA_GUARD['STORE'] must be a dict with a BACKEND string.", hint)
    if set(store) - {"BACKEND", "OPTIONS"}:
        return Problem("captcha_guard.E011", "CAPTCHA_GUARD['STORE'] takes only BACKEND and OPTIONS.", hint)
    name: str = store["BACKEND"]
    path = STORE_ALIASES.get(name, name)
    try:
        backend = import_string(path)
    except ImportError:
        backend = None
    if not (isinstance(backend, type) and issubclass(backend, BaseStore)):
        return Problem(
            "captcha_guard.E011",
            f"CAPTCHA_GUARD['STORE']['BACKEND'] {path!r} is not an importable BaseStore subclass.",
            hint,
        )
    return None


def _fields(config: dict[str, Any]) -> Problem | None:
    names = (config["KEY_FIELD"], config["ANSWER_FIELD"])
    if not all(isinstance(name, str) and name for name in names) or names[0] == names[1]:
        return Problem(
            "captcha_guard.E012",
            "CAPTCHA_GUARD['KEY_FIELD'] and ['ANSWER_FIELD'] must be two different, non-empty strings.",
            "The defaults are 'captcha_key' and 'captcha_answer'.",
        )
    return None


def _routes(config: dict[str, Any]) -> Problem | None:
    routes = config["PROTECTED_ROUTES"]
    hint = (
        "Write a list such as ['login', '/api/sms/*', {'route': 'comment', 'methods': ['POST']}]; "
        "a bare string would be read one character at a time and '/' would match every path."
    )
    if not isinstance(routes, (list, tuple)):
        return Problem("captcha_guard.E013", "CAPTCHA_GUARD['PROTECTED_ROUTES'] must be a list, not a string.", hint)
    for route in routes:
        if isinstance(route, str) and route:
            continue
        if (
            isinstance(route, dict)
            and isinstance(route.get("route"), str)
            and route["route"]
            and set(route) <= {"route", "methods", "scope"}
            and isinstance(route.get("methods", []), (list, tuple))
            and all(isinstance(m, str) and m and m.upper() not in SAFE_METHODS for m in route.get("methods", []))
            and isinstance(route.get("scope", ""), str)
        ):
            continue
        return Problem(
            "captcha_guard.E013",
            f"CAPTCHA_GUARD['PROTECTED_ROUTES'] has an invalid entry {route!r}.",
            hint
            + f" Methods may be any but {', '.join(sorted(SAFE_METHODS))}: safe methods never consume a challenge.",
        )
    return None


def _failure_view(config: dict[str, Any]) -> Problem | None:
    path = config["FAILURE_VIEW"]
    try:
        view = import_string(path) if isinstance(path, str) else None
    except ImportError:
        view = None
    if not callable(view):
        return Problem(
            "captcha_guard.E014",
            f"CAPTCHA_GUARD['FAILURE_VIEW'] {path!r} is not an importable view.",
            "Give a dotted path to a view taking (request, reason).",
        )
    # As Django checks CSRF_FAILURE_VIEW: a view that cannot take the call would fail with a
    # TypeError (a 500) on the first wrong answer, long after deployment.
    try:
        inspect.signature(view).bind(None, reason=None)
    except TypeError:
        return Problem(
            "captcha_guard.E018",
            f"CAPTCHA_GUARD['FAILURE_VIEW'] {path!r} does not take two arguments, request and reason.",
            "Define it as def view(request, reason): ... and return a response.",
        )
    except ValueError:  # no signature to inspect (some builtins): nothing to say
        pass
    return None


def _rate_limit(config: dict[str, Any]) -> Problem | None:
    limit = config["RATE_LIMIT"]
    if (limit is not None and (not _is_int(limit) or limit <= 0)) or not isinstance(config["RATE_LIMIT_CACHE"], str):
        return Problem(
            "captcha_guard.E015",
            f"CAPTCHA_GUARD['RATE_LIMIT'] must be None or a positive number of challenges per minute, not {limit!r}.",
            "The default, 60 a minute per client, is generous for people and costly for floods.",
        )
    return None


def _proxies(config: dict[str, Any]) -> Problem | None:
    if not _is_int(config["TRUSTED_PROXIES"]) or config["TRUSTED_PROXIES"] < 0:
        return Problem(
            "captcha_guard.E016",
            "CAPTCHA_GUARD['TRUSTED_PROXIES'] must be the number of reverse proxies in front of Django (0 or more).",
            "0 (the default) uses REMOTE_ADDR only.",
        )
    return None


def _flags(config: dict[str, Any]) -> Problem | None:
    for name in ("ENABLED", "CASE_SENSITIVE", "AUDIO", "STYLESHEET"):
        if not isinstance(config[name], bool):
            return Problem(
                "captcha_guard.E017",
                f"CAPTCHA_GUARD[{name!r}] must be True or False, not {config[name]!r}.",
                f"The default is {DEFAULTS[name]!r}.",
            )
    return None


def _difficulty(config: dict[str, Any]) -> Problem | None:
    return _picture_rule(config, "preset")


def _palette(config: dict[str, Any]) -> Problem | None:
    palette = config["PALETTE"]
    if not isinstance(palette, (list, tuple)) or not all(
        isinstance(c, (list, tuple)) and len(c) == 3 and all(_is_int(v) and 0 <= v <= 255 for v in c) for c in palette
    ):
        return Problem(
            "captcha_guard.E041",
            "CAPTCHA_GUARD['PALETTE'] must be a list of (r, g, b) tuples.",
            "Write PALETTE = [(r, g, b), ...], or [] for a fresh random ink per picture.",
        )
    return _picture_rule(config, "palette")


def _font_files(config: dict[str, Any]) -> Problem | None:
    return _picture_rule(config, "fonts")


def _alphabet_glyphs(config: dict[str, Any]) -> Problem | None:
    return _picture_rule(config, "alphabet")


# The renderer's rules (render.Options.problems) as system checks: option -> (ID, setting).
PICTURE_RULES = {
    "size": ("captcha_guard.E007", "IMAGE_SIZE"),
    "image_format": ("captcha_guard.E008", "FORMAT"),
    "preset": ("captcha_guard.E040", "DIFFICULTY"),
    "palette": ("captcha_guard.E041", "PALETTE"),
    "fonts": ("captcha_guard.E042", "FONTS"),
    "alphabet": ("captcha_guard.E043", "ALPHABET"),
}


def _picture_rule(config: dict[str, Any], option: str) -> Problem | None:
    """The renderer's own verdict on ``option``, once the settings it is built from are well-formed."""
    from django_captcha_guard.image import options_from

    if not _well_formed(config):
        return None
    for problem in options_from(config).problems():
        if problem.option == option:
            code, setting = PICTURE_RULES[option]
            return Problem(code, f"CAPTCHA_GUARD[{setting!r}] {problem.message}", problem.hint)
    return None


def _progressive(config: dict[str, Any]) -> Problem | None:
    hint = (
        "Write PROGRESSIVE = {'login': {'THRESHOLD': 3, 'WINDOW': 900, 'SUBJECT': 'username'}}: a positive "
        "THRESHOLD of failures, a WINDOW in seconds, and SUBJECT a request field name or None."
    )
    progressive = config["PROGRESSIVE"]
    if not isinstance(progressive, dict):
        return Problem("captcha_guard.E050", "CAPTCHA_GUARD['PROGRESSIVE'] must be a dict of scopes.", hint)
    for scope, options in progressive.items():
        if not (
            isinstance(scope, str)
            and isinstance(options, dict)
            and set(options) <= {"THRESHOLD", "WINDOW", "SUBJECT"}
            and all(_is_int(options.get(n, 1)) and options.get(n, 1) > 0 for n in ("THRESHOLD", "WINDOW"))
            and (options.get("SUBJECT") is None or callable(options["SUBJECT"]) or _is_name(options["SUBJECT"]))
        ):
            return Problem("captcha_guard.E050", f"CAPTCHA_GUARD['PROGRESSIVE'][{scope!r}] is invalid.", hint)
    return None


def _proof_of_work(config: dict[str, Any]) -> Problem | None:
    setting = config["PROOF_OF_WORK"]
    if isinstance(setting, bool):
        return None
    if isinstance(setting, dict) and set(setting) <= {"MAX_NUMBER"}:
        number = setting.get("MAX_NUMBER", 1000)
        if _is_int(number) and 1000 <= number <= 10_000_000:
            return None
    return Problem(
        "captcha_guard.E051",
        f"CAPTCHA_GUARD['PROOF_OF_WORK'] must be True, False or {{'MAX_NUMBER': n}}, not {setting!r}.",
        "MAX_NUMBER bounds the puzzle's hashes (1,000 to 10,000,000); docs/cost.md has measured solve times.",
    )


def _is_name(value: object) -> bool:
    return isinstance(value, str) and bool(value)


def _well_formed(config: dict[str, Any]) -> bool:
    """Whether the options can be built: while a setting is malformed, its own check says so."""
    size, palette, alphabet = config["IMAGE_SIZE"], config["PALETTE"], config["ALPHABET"]
    return (
        _length(config) is None
        and isinstance(alphabet, str)
        and isinstance(size, (tuple, list))
        and len(size) == 2
        and all(_is_int(n) for n in size)
        and _fonts(config) is None
        and _colour(config) is None
        and isinstance(palette, (list, tuple))
        and all(
            isinstance(c, (list, tuple)) and len(c) == 3 and all(_is_int(v) and 0 <= v <= 255 for v in c)
            for c in palette
        )
        and isinstance(config["DIFFICULTY"], str)
        and isinstance(config["FORMAT"], str)
    )


CHECKS: list[Callable[[dict[str, Any]], Problem | None]] = [
    _length,
    _timeout,
    _alphabet,
    _challenge,
    _image_size,
    _format,
    _fonts,
    _colour,
    _store,
    _fields,
    _routes,
    _failure_view,
    _rate_limit,
    _proxies,
    _flags,
    _difficulty,
    _palette,
    _font_files,
    _alphabet_glyphs,
    _progressive,
    _proof_of_work,
]
