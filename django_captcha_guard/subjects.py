"""Who an action is about (a username, a mobile number), kept only as a keyed digest.

Progressive challenges count failures per subject and subject limits count successes
per subject, so a bot cannot dodge either by rotating addresses. The value comes from a
named form or JSON field, or from a function of the request; it is normalised (NFKC,
case-folded, whitespace removed) so ``Ann`` and `` ann `` are one subject, then hashed with
a key derived from ``SECRET_KEY``: the counters' cache never holds a username or a number.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from django.http import HttpRequest

from django_captcha_guard.macs import mac
from django_captcha_guard.submission import field, is_utf8

# A field name, or a function of the request that returns the subject (None when absent).
Subject = str | Callable[[HttpRequest], object]
MAX_SUBJECT_LENGTH = 254  # the longest e-mail address; longer text is no subject


def normalize(value: str) -> str:
    return "".join(unicodedata.normalize("NFKC", value).casefold().split())


def digest(scope: str, value: str) -> str:
    """The subject's keyed digest for ``scope``: short, key-safe, and useless without ``SECRET_KEY``."""
    return mac("captcha_guard.subject", f"{scope}:{normalize(value)}").hex()[:32]


def from_request(request: HttpRequest, subject: Subject) -> str | None:
    """The normalised subject of ``request``, or None when it is missing, empty, sent twice or not text.

    Not text includes a lone surrogate, which a JSON body can carry but no digest can hash.
    """
    value = subject(request) if callable(subject) else field(request, subject)
    if not isinstance(value, str) or len(value) > MAX_SUBJECT_LENGTH or not is_utf8(value):
        return None
    return normalize(value) or None
