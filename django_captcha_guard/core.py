"""The one code path for issuing and verifying challenges.

The template tag, the JSON view, the middleware, the decorator, the form field and the
DRF field all call :func:`issue` and :func:`verify`; none of them checks answers itself.
"""

from __future__ import annotations

import base64
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from django_captcha_guard.challenges import draw
from django_captcha_guard.clients import client_ip
from django_captcha_guard.conf import get_settings
from django_captcha_guard.signals import captcha_failed, captcha_passed
from django_captcha_guard.storage import Entry, StoreUnavailable, get_storage
from django_captcha_guard.submission import submitted

logger = logging.getLogger("django_captcha_guard")

# Where a request keeps its result, so the middleware, the decorator, the form field and the
# DRF classes on one request consume one challenge once (as CSRF marks a checked request).
RESULT_ATTRIBUTE = "_captcha_guard_result"

# secrets.token_urlsafe(16): 22 characters of the urlsafe base64 alphabet.
KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{22}")
# Generous for any built-in challenge; longer input is rejected before hashing.
MAX_ANSWER_LENGTH = 32
MAX_SCOPE_LENGTH = 64


class Reason(StrEnum):
    OK = "ok"
    MISSING = "missing"  # no key or no answer was sent
    MALFORMED = "malformed"  # a key or answer no challenge could have produced
    EXPIRED = "expired"  # unknown, already used or timed-out key
    WRONG = "wrong"
    UNAVAILABLE = "unavailable"  # the store could not be reached; fails closed


MESSAGES: dict[Reason, Promise] = {
    Reason.OK: _("The captcha was solved."),
    Reason.MISSING: _("Please enter the characters shown in the picture."),
    Reason.MALFORMED: _("The captcha data is invalid. Please try again."),
    Reason.EXPIRED: _("The captcha has expired. Please try again with the new picture."),
    Reason.WRONG: _("The captcha answer is wrong. Please try again."),
    Reason.UNAVAILABLE: _("The captcha service is temporarily unavailable. Please try again later."),
}


@dataclass(frozen=True)
class Result:
    reason: Reason

    @property
    def ok(self) -> bool:
        return self.reason is Reason.OK

    @property
    def message(self) -> str:
        """The reason in the active language, for users."""
        return str(MESSAGES[self.reason])

    def __bool__(self) -> bool:
        return self.ok


def new_key() -> str:
    return secrets.token_urlsafe(16)


def is_valid_key(key: object) -> bool:
    """Whether ``key`` could have come from :func:`new_key`; checked before any store lookup."""
    return isinstance(key, str) and KEY_PATTERN.fullmatch(key) is not None


def normalize(answer: str) -> str:
    answer = answer.strip()
    return answer if get_settings()["CASE_SENSITIVE"] else answer.casefold()


def digest(key: str, answer: str, scope: str = "") -> str:
    """Keyed digest of a normalized answer, bound to its key and scope.

    Binding the key makes a digest copied onto another key worthless; binding the scope
    makes a challenge issued for one form useless on another.
    """
    mac = salted_hmac("captcha_guard.answer", f"{scope}:{key}:{normalize(answer)}", algorithm="sha256")
    return base64.urlsafe_b64encode(mac.digest()[:16]).rstrip(b"=").decode("ascii")


def issue(request: HttpRequest, scope: str = "") -> str:
    """Create and store a challenge; return its key. Raises StoreUnavailable."""
    config = get_settings()
    store = get_storage()
    key = new_key()
    challenge, _rng = draw(key)
    timeout = config["TIMEOUT"]
    entry = Entry(digest(key, challenge.answer, scope), store.clock() + timeout)
    try:
        store.save(request, key, entry, timeout)
    except StoreUnavailable:
        logger.error("Captcha store unavailable while issuing a challenge", exc_info=True)
        raise
    return key


def verify(request: HttpRequest, key: Any, answer: Any, scope: str = "") -> Result:
    """Check ``answer`` for the challenge ``key``, consuming the challenge either way."""
    result = Result(_check(request, key, answer, scope))
    if result.ok:
        captcha_passed.send(sender=verify, request=request, reason=result.reason)
    else:
        logger.warning(
            "Captcha failed: reason=%s client=%s path=%s",
            result.reason.value,
            client_ip(request),
            getattr(request, "path", ""),
        )
        captcha_failed.send(sender=verify, request=request, reason=result.reason)
    return result


def check_request(request: HttpRequest, scope: str = "") -> Result:
    """Verify the key and answer the request submits (form fields or JSON body), once per request."""
    previous = getattr(request, RESULT_ATTRIBUTE, None)
    if isinstance(previous, Result):
        return previous
    key, answer = submitted(request)
    return verify_once(request, key, answer, scope)


def verify_once(request: HttpRequest, key: Any, answer: Any, scope: str = "") -> Result:
    """:func:`verify`, unless this request was already checked: then that result stands.

    A challenge is single-use, so a second check on the same request would always fail;
    the first check (with its scope) decides for every entry point.
    """
    previous = getattr(request, RESULT_ATTRIBUTE, None)
    if isinstance(previous, Result):
        return previous
    result = verify(request, key, answer, scope)
    setattr(request, RESULT_ATTRIBUTE, result)
    return result


def _check(request: HttpRequest, key: Any, answer: Any, scope: str) -> Reason:
    if not get_settings()["ENABLED"]:
        return Reason.OK
    missing = key in (None, "") or answer in (None, "")
    if not is_valid_key(key):
        return Reason.MISSING if missing else Reason.MALFORMED
    try:
        # Consumed before the answer is looked at: one submission per picture.
        entry = _pop(request, key)
    except StoreUnavailable:
        return Reason.UNAVAILABLE
    if missing:
        return Reason.MISSING
    if not isinstance(answer, str) or len(answer) > MAX_ANSWER_LENGTH or "\x00" in answer:
        return Reason.MALFORMED
    if not get_storage().is_live(entry):
        return Reason.EXPIRED
    assert entry is not None
    expected = digest(key, answer, scope)
    return Reason.OK if hmac.compare_digest(entry.digest, expected) else Reason.WRONG


def _pop(request: HttpRequest, key: str) -> Entry | None:
    try:
        return get_storage().pop(request, key)
    except StoreUnavailable:
        logger.error("Captcha store unavailable while verifying a challenge", exc_info=True)
        raise
