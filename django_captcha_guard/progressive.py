"""Progressive challenges: a scope in ``PROGRESSIVE`` asks for a captcha only after failures.

Two counters per scope are kept in ``RATE_LIMIT_CACHE`` for each client address (an IPv6
client by its /64, as ``RATE_LIMIT`` counts) and, with ``SUBJECT``, for each subject (the
username or mobile number the request names, as a keyed digest):

- **failures** within ``WINDOW`` seconds: failed captchas, and what the view reports with
  :func:`note_failure` (a wrong password);
- **unchallenged attempts in flight**: every submission let through without a captcha
  first reserves one with an atomic increment, and is let through only if failures plus
  its reservation stay within ``THRESHOLD``. Fifty parallel submissions on a fresh counter
  therefore get at most ``THRESHOLD`` through unchallenged, in any number of processes. A
  reported failure turns its reservation into a failure; the others lapse after
  :data:`PENDING_SECONDS`, so people who log in successfully are not counted for long.

The check decides once per request and scope (:func:`check_needed`, which the middleware,
the decorator and the form field share through ``core.verify_once``). Rendering asks
:func:`widget_needed`, which only reads: "will the next submission need a captcha?" When
the counters cannot be read, both answer yes: an outage asks everyone, it never waves
anyone through.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from django_captcha_guard import counters, subjects
from django_captcha_guard.conf import get_config
from django_captcha_guard.ratelimit import client_bucket
from django_captcha_guard.subjects import Subject

__all__ = ["DEFAULTS", "PENDING_SECONDS", "Decision", "check_needed", "note_failure", "policy", "widget_needed"]

PENDING_SECONDS = 30
DEFAULTS: dict[str, Any] = {"THRESHOLD": 3, "WINDOW": 900, "SUBJECT": None}
_DECISIONS = "_captcha_guard_progressive"
_SHOWN = "_captcha_guard_progressive_shown"


@dataclass
class Decision:
    needed: bool
    reserved: list[str] = field(default_factory=list)


def policy(scope: str) -> dict[str, Any] | None:
    """The scope's ``PROGRESSIVE`` options over their defaults; None when the scope always asks."""
    options = get_config().progressive.get(scope)
    return None if options is None else {**DEFAULTS, **options}


def check_needed(request: HttpRequest, scope: str = "") -> bool:
    """Whether this submission must answer a captcha; decided once per request and scope."""
    decisions: dict[str, Decision] = _on(request, _DECISIONS)
    if scope not in decisions:
        decisions[scope] = _decide(request, scope)
    return decisions[scope].needed


def widget_needed(request: HttpRequest, scope: str = "") -> bool:
    """Whether a page should show the widget: would the next submission need a captcha?"""
    shown: dict[str, bool] = _on(request, _SHOWN)
    if scope not in shown:
        options = policy(scope)
        try:
            shown[scope] = options is None or any(
                counters.value(failures) + counters.value(pending) >= options["THRESHOLD"]
                for failures, pending in _counters(request, scope, options)
            )
        except counters.CountersUnavailable:
            shown[scope] = True
    return shown[scope]


def note_failure(request: HttpRequest, scope: str = "", subject: str | None = None) -> None:
    """Count a failed attempt for ``scope``, e.g. a wrong password, against the address and subject.

    ``subject`` names who the attempt was about when the view knows it better than the
    request field ``SUBJECT`` (e.g. the ``credentials`` of Django's ``user_login_failed``).
    A no-op for scopes not in ``PROGRESSIVE``. Never raises: an outage is logged, and the
    next check then asks for a captcha anyway.
    """
    options = policy(scope)
    if options is None:
        return
    decision: Decision | None = _on(request, _DECISIONS).get(scope)
    try:
        for failures, _pending in _counters(request, scope, options, subject):
            counters.increment(failures, options["WINDOW"])
        # This attempt's reservation has become a failure: count it once, not twice.
        for pending in decision.reserved if decision else []:
            counters.decrement(pending)
    except counters.CountersUnavailable:
        return
    finally:
        if decision:
            decision.reserved = []
        _on(request, _SHOWN).pop(scope, None)


def _decide(request: HttpRequest, scope: str) -> Decision:
    options = policy(scope)
    if options is None:
        return Decision(True)
    threshold = options["THRESHOLD"]
    try:
        pairs = _counters(request, scope, options)
        failures = [counters.value(failure_key) for failure_key, _ in pairs]
        if any(count >= threshold for count in failures):
            return Decision(True)
        reserved = []
        for count, (_, pending) in zip(failures, pairs, strict=True):
            reserved.append(pending)
            if count + counters.increment(pending, PENDING_SECONDS) > threshold:
                return Decision(True)  # the reservations lapse on their own
    except counters.CountersUnavailable:
        return Decision(True)
    return Decision(False, reserved)


def _counters(
    request: HttpRequest, scope: str, options: dict[str, Any], subject: str | None = None
) -> list[tuple[str, str]]:
    """(failures, pending) cache keys for the client's address and, if any, the subject."""
    address = hashlib.sha256(f"{scope}\0{client_bucket(request)}".encode()).hexdigest()[:32]
    names = [f"address:{address}"]
    field_or_function: Subject | None = options["SUBJECT"]
    value = subjects.normalize(subject) if subject else None
    if value is None and field_or_function is not None:
        value = subjects.from_request(request, field_or_function)
    if value:
        names.append(f"subject:{subjects.digest(scope, value)}")
    return [(counters.key("failures", name), counters.key("pending", name)) for name in names]


def _on(request: HttpRequest, attribute: str) -> dict[str, Any]:
    values: dict[str, Any] | None = getattr(request, attribute, None)
    if values is None:
        values = {}
        setattr(request, attribute, values)
    return values
