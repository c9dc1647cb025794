"""Settings that name code or carry structure: CHALLENGE, STORE, the field names,
PROTECTED_ROUTES, FAILURE_VIEW and PROGRESSIVE (E006, E011-E014, E018, E050).

Each would otherwise fail far from its cause: an import error on the first request, a
bare string of routes read one character at a time, a failure view that raises a
TypeError (a 500) on the first wrong answer.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from django.utils.module_loading import import_string

from django_captcha_guard.conf import CHALLENGE_ALIASES, SAFE_METHODS, STORE_ALIASES, Problem

__all__ = ["problems"]

STORE_HINT = "Write STORE = {'BACKEND': 'database' | 'cache' | 'session' | 'memory' | 'dotted.path', 'OPTIONS': {...}}."
ROUTES_HINT = (
    "Write a list such as ['login', '/api/sms/*', {'route': 'comment', 'methods': ['POST']}]; "
    "a bare string would be read one character at a time and '/' would match every path."
)
PROGRESSIVE_HINT = (
    "Write PROGRESSIVE = {'login': {'THRESHOLD': 3, 'WINDOW': 900, 'SUBJECT': 'username'}}: a positive "
    "THRESHOLD of failures, a WINDOW in seconds, and SUBJECT a request field name or None."
)


def problems(config: dict[str, Any]) -> list[Problem]:
    return [problem for check in CHECKS if (problem := check(config)) is not None]


def _importable(path: object) -> Any:
    """What the dotted ``path`` names, or None."""
    try:
        return import_string(path) if isinstance(path, str) else None
    except ImportError:
        return None


def _challenge(config: dict[str, Any]) -> Problem | None:
    path = config["CHALLENGE"]
    if callable(_importable(CHALLENGE_ALIASES.get(path, path) if isinstance(path, str) else path)):
        return None
    return Problem(
        "captcha_guard.E006",
        f"CAPTCHA_GUARD['CHALLENGE'] {path!r} is not an importable function.",
        "Use 'text', 'arithmetic' or a dotted path to a function (rng, config) -> Challenge.",
    )


def _store(config: dict[str, Any]) -> Problem | None:
    from django_captcha_guard.storage.base import BaseStore

    store = config["STORE"]
    if not (
        isinstance(store, dict) and isinstance(store.get("BACKEND"), str) and isinstance(store.get("OPTIONS", {}), dict)
    ):
        return Problem("captcha_guard.E011", "CAPTCHA_GUARD['STORE'] must be a dict with a BACKEND string.", STORE_HINT)
    if set(store) - {"BACKEND", "OPTIONS"}:
        return Problem("captcha_guard.E011", "CAPTCHA_GUARD['STORE'] takes only BACKEND and OPTIONS.", STORE_HINT)
    path = STORE_ALIASES.get(store["BACKEND"], store["BACKEND"])
    backend = _importable(path)
    if isinstance(backend, type) and issubclass(backend, BaseStore):
        return None
    return Problem(
        "captcha_guard.E011",
        f"CAPTCHA_GUARD['STORE']['BACKEND'] {path!r} is not an importable BaseStore subclass.",
        STORE_HINT,
    )


def _distinct_fields(config: dict[str, Any]) -> Problem | None:
    if config["KEY_FIELD"] != config["ANSWER_FIELD"]:
        return None
    return Problem(
        "captcha_guard.E012",
        "CAPTCHA_GUARD['KEY_FIELD'] and ['ANSWER_FIELD'] must be two different names.",
        "The defaults are 'captcha_key' and 'captcha_answer'.",
    )


def _is_route(route: object) -> bool:
    if isinstance(route, str):
        return bool(route)
    return (
        isinstance(route, dict)
        and isinstance(route.get("route"), str)
        and bool(route["route"])
        and set(route) <= {"route", "methods", "scope"}
        and isinstance(route.get("methods", []), (list, tuple))
        and all(isinstance(m, str) and m and m.upper() not in SAFE_METHODS for m in route.get("methods", []))
        and isinstance(route.get("scope", ""), str)
    )


def _routes(config: dict[str, Any]) -> Problem | None:
    routes = config["PROTECTED_ROUTES"]
    if not isinstance(routes, (list, tuple)):
        return Problem(
            "captcha_guard.E013", "CAPTCHA_GUARD['PROTECTED_ROUTES'] must be a list, not a string.", ROUTES_HINT
        )
    for route in routes:
        if not _is_route(route):
            return Problem(
                "captcha_guard.E013",
                f"CAPTCHA_GUARD['PROTECTED_ROUTES'] has an invalid entry {route!r}.",
                ROUTES_HINT
                + f" Methods may be any but {', '.join(sorted(SAFE_METHODS))}: safe methods never consume a challenge.",
            )
    return None


def _failure_view(config: dict[str, Any]) -> Problem | None:
    path = config["FAILURE_VIEW"]
    view = _importable(path)
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


def _is_scope_options(options: object) -> bool:
    if not (isinstance(options, dict) and set(options) <= {"THRESHOLD", "WINDOW", "SUBJECT"}):
        return False
    counts = (options.get(name, 1) for name in ("THRESHOLD", "WINDOW"))
    subject = options.get("SUBJECT")
    return all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in counts) and (
        subject is None or callable(subject) or (isinstance(subject, str) and bool(subject))
    )


def _progressive(config: dict[str, Any]) -> Problem | None:
    progressive = config["PROGRESSIVE"]
    if not isinstance(progressive, dict):
        return Problem("captcha_guard.E050", "CAPTCHA_GUARD['PROGRESSIVE'] must be a dict of scopes.", PROGRESSIVE_HINT)
    for scope, options in progressive.items():
        if not (isinstance(scope, str) and _is_scope_options(options)):
            return Problem(
                "captcha_guard.E050", f"CAPTCHA_GUARD['PROGRESSIVE'][{scope!r}] is invalid.", PROGRESSIVE_HINT
            )
    return None


CHECKS: tuple[Callable[[dict[str, Any]], Problem | None], ...] = (
    _challenge,
    _store,
    _distinct_fields,
    _routes,
    _failure_view,
    _progressive,
)
