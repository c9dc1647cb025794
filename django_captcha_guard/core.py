"""The one code path for issuing and verifying challenges.

The template tag, the JSON view, the middleware, the decorator, the form field and the
DRF field all call :func:`issue` and :func:`verify`; none of them checks answers itself.
The async JSON view calls :func:`aissue`, the same steps around the store's async method.
"""

from __future__ import annotations

import base64
import hmac
import logging
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from django_captcha_guard import progressive, proof_of_work, ratelimit
from django_captcha_guard.challenges import challenge_for
from django_captcha_guard.clients import client_ip
from django_captcha_guard.conf import get_config
from django_captcha_guard.keys import KEY_LENGTH, KEY_PATTERN, is_issued, is_valid_key, new_key
from django_captcha_guard.macs import mac
from django_captcha_guard.results import MESSAGES, RateLimited, Reason, Result
from django_captcha_guard.signals import captcha_failed, captcha_passed
from django_captcha_guard.storage import BaseStore, Entry, StoreUnavailable, get_storage
from django_captcha_guard.submission import field, is_utf8, submitted

__all__ = [
    "KEY_LENGTH",
    "KEY_PATTERN",
    "MAX_ANSWER_LENGTH",
    "MAX_SCOPE_LENGTH",
    "MESSAGES",
    "RESULTS_ATTRIBUTE",
    "RateLimited",
    "Reason",
    "Result",
    "aissue",
    "check_request",
    "digest",
    "enabled",
    "is_valid_key",
    "issue",
    "new_key",
    "normalize",
    "verify",
    "verify_once",
]

logger = logging.getLogger("django_captcha_guard")

# Where a request keeps its results, by scope, so the middleware, the decorator, the form field
# and the DRF classes on one request consume one challenge once (as CSRF marks a checked request).
RESULTS_ATTRIBUTE = "_captcha_guard_results"

# Generous for any built-in challenge; longer input is rejected before hashing.
MAX_ANSWER_LENGTH = 32
MAX_SCOPE_LENGTH = 64


# Failures that count towards PROGRESSIVE: an answer was tried. Not MISSING (a page may not
# have shown the widget this request turned out to need) nor UNAVAILABLE (our outage).
_COUNTED_FAILURES = frozenset({Reason.WRONG, Reason.EXPIRED, Reason.MALFORMED, Reason.STAMP})


def normalize(answer: str) -> str:
    answer = answer.strip()
    return answer if get_config().case_sensitive else answer.casefold()


def digest(key: str, answer: str, scope: str = "") -> str:
    """Keyed digest of a normalized answer, bound to its key and scope.

    Binding the key makes a digest copied onto another key worthless; binding the scope
    makes a challenge issued for one form useless on another.
    """
    answer_mac = mac("captcha_guard.answer", f"{scope}:{key}:{normalize(answer)}")
    return base64.urlsafe_b64encode(answer_mac[:16]).rstrip(b"=").decode("ascii")


def issue(request: HttpRequest, scope: str = "") -> str:
    """Create and store a challenge; return its key.

    Every way of getting a challenge comes through here (the page's widget, the form field,
    ``captcha/new/``), so every one counts towards the client's ``RATE_LIMIT``: raises
    :class:`RateLimited` over it, and StoreUnavailable when the store or the counter is down.
    """
    store, limit, key, entry, timeout = _draw(request, scope)
    try:
        # The store spends the limit: with Redis, counting and storing are one round trip.
        stored = store.save_counted(request, key, entry, timeout, limit.counter if limit else None)
    except StoreUnavailable:
        logger.error("Captcha store unavailable while issuing a challenge", exc_info=True)
        raise
    return _issued(key, limit, stored)


async def aissue(request: HttpRequest, scope: str = "") -> str:
    """:func:`issue` for async views: the same steps, with the store's ``asave_counted``."""
    store, limit, key, entry, timeout = _draw(request, scope)
    try:
        stored = await store.asave_counted(request, key, entry, timeout, limit.counter if limit else None)
    except StoreUnavailable:
        logger.error("Captcha store unavailable while issuing a challenge", exc_info=True)
        raise
    return _issued(key, limit, stored)


def _draw(request: HttpRequest, scope: str) -> tuple[BaseStore, ratelimit.Limit | None, str, Entry, int]:
    """Everything issuing does before the store: the limit, a known refusal, the key and its entry."""
    config = get_config()
    store = get_storage()
    limit = ratelimit.issuing_limit(request)
    if limit is not None and ratelimit.known_refused(limit):
        raise RateLimited(limit.retry_after)  # refused before: no drawing, no round trip
    key = new_key()
    challenge, _rng = challenge_for(key)
    timeout = config.timeout
    return store, limit, key, Entry(digest(key, challenge.answer, scope), store.clock() + timeout), timeout


def _issued(key: str, limit: ratelimit.Limit | None, stored: bool) -> str:
    if not stored:
        assert limit is not None  # only a limit refuses
        ratelimit.remember_refused(limit)
        raise RateLimited(limit.retry_after)
    return key


def verify(request: HttpRequest, key: Any, answer: Any, scope: str = "", *, stamp: Any = None) -> Result:
    """Check ``answer`` for the challenge ``key``, consuming the challenge either way.

    ``stamp`` is the proof-of-work stamp when the caller has parsed the body itself (DRF
    reads the stream, so the request's body can no longer be read); by default it comes
    from the request's submitted fields.
    """
    result = Result(_check(request, key, answer, scope, stamp))
    if result.ok:
        captcha_passed.send(sender=verify, request=request, reason=result.reason)
    else:
        # %r: the path and a forwarded address are the client's text, and a newline in
        # either would otherwise forge a line of its own in the log.
        logger.warning(
            "Captcha failed: reason=%s client=%r path=%r",
            result.reason.value,
            client_ip(request),
            getattr(request, "path", ""),
        )
        captcha_failed.send(sender=verify, request=request, reason=result.reason)
        if result.reason in _COUNTED_FAILURES:
            progressive.note_failure(request, scope)
            proof_of_work.note_failure(request)
    return result


def check_request(request: HttpRequest, scope: str = "") -> Result:
    """Verify the key and answer the request submits (form fields or JSON body), once per request and scope."""
    previous = _results(request).get(scope)
    if previous is not None:
        return previous
    key, answer = submitted(request)
    return verify_once(request, key, answer, scope)


def verify_once(request: HttpRequest, key: Any, answer: Any, scope: str = "", *, stamp: Any = None) -> Result:
    """:func:`verify`, unless this request was already checked for ``scope``: then that result stands.

    A challenge is single-use, so a second check on the same request would always fail;
    the first check for a scope decides for every entry point. A check for another scope
    verifies anew, so it passes only if the request answered a challenge of that scope.
    A scope in ``PROGRESSIVE`` that needs no captcha yet passes with ``NOT_NEEDED``, and
    leaves any challenge the request carries untouched.
    """
    results = _results(request)
    previous = results.get(scope)
    if previous is not None:
        return previous
    needed = not enabled() or progressive.check_needed(request, scope)
    result = verify(request, key, answer, scope, stamp=stamp) if needed else Result(Reason.NOT_NEEDED)
    results[scope] = result
    return result


def _results(request: HttpRequest) -> dict[str, Result]:
    results: dict[str, Result] | None = getattr(request, RESULTS_ATTRIBUTE, None)
    if results is None:
        results = {}
        setattr(request, RESULTS_ATTRIBUTE, results)
    return results


def enabled() -> bool:
    """Whether answers are checked: ``ENABLED: False`` counts only while ``DEBUG`` is on.

    The system check (E030) refuses it too, but servers such as gunicorn never run checks,
    so the setting is refused here as well, where it would take effect.
    """
    if get_config().enabled:
        return True
    if settings.DEBUG:
        return False
    logger.error("CAPTCHA_GUARD['ENABLED'] is False while DEBUG is off: ignored, captchas are still checked.")
    return True


def _check(request: HttpRequest, key: Any, answer: Any, scope: str, stamp: Any) -> Reason:
    if not enabled():
        return Reason.OK
    missing = key in (None, "") or answer in (None, "")
    if not is_valid_key(key):
        return Reason.MISSING if missing else Reason.MALFORMED
    try:
        # Consumed before the answer is looked at: one submission per picture. A key this
        # site never issued is unknown without asking the store.
        entry = _pop(request, key) if is_issued(key) else None
    except StoreUnavailable:
        return Reason.UNAVAILABLE
    if missing:
        return Reason.MISSING
    if not _is_answer_text(answer):
        return Reason.MALFORMED
    if not get_storage().is_live(entry):
        return Reason.EXPIRED
    assert entry is not None
    # PROOF_OF_WORK: after the key is spent (single use) and before the answer is looked at.
    if proof_of_work.max_number() is not None:
        if stamp is None:
            stamp = field(request, proof_of_work.FIELD)
        if not proof_of_work.stamp_ok(key, stamp):
            return Reason.STAMP
    expected = digest(key, answer, scope)
    return Reason.OK if hmac.compare_digest(entry.digest, expected) else Reason.WRONG


def _pop(request: HttpRequest, key: str) -> Entry | None:
    try:
        return get_storage().pop(request, key)
    except StoreUnavailable:
        logger.error("Captcha store unavailable while verifying a challenge", exc_info=True)
        raise


def _is_answer_text(answer: object) -> bool:
    """Short text a person could type: no NUL, and no lone surrogate (JSON can carry one)."""
    return isinstance(answer, str) and len(answer) <= MAX_ANSWER_LENGTH and "\x00" not in answer and is_utf8(answer)
