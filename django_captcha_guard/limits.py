"""Limits per subject on a protected action: "at most N successes per subject per period".

A solved captcha proves a person (or a perfect solver) was there once; it says nothing
about how often one phone number gets an SMS. ``@require_captcha(scope="sms",
per_subject=("mobile", "1/m"))`` adds that bound, counted only after the captcha passed
(failed guesses spend nobody's budget) with one atomic increment in ``RATE_LIMIT_CACHE``,
so parallel requests from any number of addresses and processes share one count.

The period starts with the subject's first success and the counter expires with it: with
``1/m`` two accepted actions for one subject are always at least a minute apart; with
``N/m``, at most N within the minute that starts at the first, so at most 2N in any
sixty seconds. A request that names no subject is refused (400): it cannot be counted,
and a view that went on without one could be made to act for anyone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.http import HttpRequest

from django_captcha_guard import counters, subjects
from django_captcha_guard.core import Reason
from django_captcha_guard.subjects import Subject

__all__ = ["UNITS", "Rate", "check_subject"]

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"([1-9][0-9]*)/([1-9][0-9]*)?([smhd])")


@dataclass(frozen=True)
class Rate:
    count: int
    period: int  # seconds

    @classmethod
    def parse(cls, rate: str) -> Rate:
        """``"1/m"``, ``"5/10m"``, ``"20/h"``, ``"3/d"``: a count per (a number of) seconds, minutes, hours or days."""
        match = _RATE.fullmatch(rate) if isinstance(rate, str) else None
        if match is None:
            raise ValueError(f"Invalid rate {rate!r}: write it as '1/m', '5/10m', '20/h' or '3/d'.")
        count, multiple, unit = match.groups()
        return cls(int(count), int(multiple or 1) * UNITS[unit])


def check_subject(request: HttpRequest, scope: str, subject: Subject, rate: Rate | str) -> Reason | None:
    """Count one success for the request's subject in ``scope``; the refusal's reason, or None to go on.

    ``subject`` is a request field name (form or JSON) or a function of the request.
    Returns ``NO_SUBJECT`` when the request names none, ``LIMITED`` over the rate and
    ``UNAVAILABLE`` when the counters cannot be reached (logged there); call it after the
    captcha passed, as ``require_captcha(per_subject=...)`` does.
    """
    limit = rate if isinstance(rate, Rate) else Rate.parse(rate)
    value = subjects.from_request(request, subject)
    if value is None:
        return Reason.NO_SUBJECT
    cache_key = counters.key("successes", subjects.digest(scope, value))
    try:
        count = counters.increment(cache_key, limit.period)
    except counters.CountersUnavailable:
        return Reason.UNAVAILABLE
    return Reason.LIMITED if count > limit.count else None
