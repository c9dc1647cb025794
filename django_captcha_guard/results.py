"""What a check can conclude: a :class:`Reason`, its translated message, and a :class:`Result`.

Plain values with no behaviour of their own beyond describing the outcome, shared by core
(which decides), the responses (which turn a reason into a status and a page), the views,
the forms and the DRF classes. :class:`RateLimited` is issuing's one refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

__all__ = ["MESSAGES", "RateLimited", "Reason", "Result"]


class Reason(StrEnum):
    OK = "ok"
    MISSING = "missing"  # no key or no answer was sent
    MALFORMED = "malformed"  # a key or answer no challenge could have produced
    EXPIRED = "expired"  # unknown, already used or timed-out key
    WRONG = "wrong"
    UNAVAILABLE = "unavailable"  # the store could not be reached; fails closed
    NOT_NEEDED = "not_needed"  # PROGRESSIVE: this scope asked no captcha of this request
    STAMP = "stamp"  # PROOF_OF_WORK: no stamp, or one that does not solve this key's puzzle
    LIMITED = "limited"  # per_subject: the subject had its share of successes this period
    NO_SUBJECT = "no_subject"  # per_subject: the request names no subject to count


MESSAGES: dict[Reason, Promise] = {
    Reason.OK: _("The captcha was solved."),
    Reason.MISSING: _("Please enter the characters shown in the picture."),
    Reason.MALFORMED: _("The captcha data is invalid. Please try again."),
    Reason.EXPIRED: _("The captcha has expired. Please try again with the new picture."),
    Reason.WRONG: _("The captcha answer is wrong. Please try again."),
    Reason.UNAVAILABLE: _("The captcha service is temporarily unavailable. Please try again later."),
    Reason.NOT_NEEDED: _("No captcha was needed."),
    Reason.STAMP: _("The browser check did not finish. Please enable JavaScript, wait a moment and try again."),
    Reason.LIMITED: _("This was done too often for the same account or number. Please try again later."),
    Reason.NO_SUBJECT: _("The request does not say which account or number it is for."),
}


@dataclass(frozen=True)
class Result:
    reason: Reason

    @property
    def ok(self) -> bool:
        """Whether the request may proceed: the captcha was solved, or none was needed."""
        return self.reason in (Reason.OK, Reason.NOT_NEEDED)

    @property
    def message(self) -> str:
        """The reason in the active language, for users."""
        return str(MESSAGES[self.reason])

    def __bool__(self) -> bool:
        return self.ok


class RateLimited(Exception):
    """The client asked for more than ``RATE_LIMIT`` challenges this minute; try again in ``retry_after`` s."""

    message = _("Too many new pictures were requested. Please wait a moment.")

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"rate limited for {retry_after}s")
        self.retry_after = retry_after
