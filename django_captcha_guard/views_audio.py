"""The audio endpoint, ``captcha/<key>.wav``: the picture's twin, the same challenge spoken.

Seeded the same way as the picture (a replayed URL gives the same bytes), mixed in pure
Python by ``audio.mix`` from the bundled voices; each fetch counts towards the client's
``RATE_LIMIT`` as a new challenge does, and each key may be spoken ``RENDERS_PER_KEY`` times.
"""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from django_captcha_guard import audio, ratelimit
from django_captcha_guard.challenges import challenge_for
from django_captcha_guard.conf import CHALLENGE_ALIASES, Config, get_config
from django_captcha_guard.core import RateLimited, Reason, Result
from django_captcha_guard.keys import is_issued, is_valid_key
from django_captcha_guard.paths import audio_path
from django_captcha_guard.responses import private, text_error
from django_captcha_guard.storage import StoreUnavailable, get_storage

__all__ = ["audio_url", "captcha_audio", "voice"]

logger = logging.getLogger("django_captcha_guard")


def audio_url(key: str) -> str | None:
    """The path of the spoken challenge for ``key``; None when ``AUDIO`` is off or the challenge cannot be spoken."""
    config = get_config()
    return audio_path(key) if config.audio and _speakable(key, config) else None


def _speakable(key: str, config: Config) -> bool:
    """Whether the challenge for ``key`` can be spoken.

    The settings answer for the built-in challenges (every sum can be spoken, and every text
    is when its alphabet can), so issuing does not draw the challenge a second time; a
    custom challenge function's challenge is drawn and asked.
    """
    if config.challenge == CHALLENGE_ALIASES["arithmetic"]:
        return True
    if config.challenge == CHALLENGE_ALIASES["text"] and set(config.alphabet.upper()) <= audio.LETTERS | audio.DIGITS:
        return True
    return audio.words(challenge_for(key)[0].display) is not None


def voice() -> str:
    """The bundled voice for the active language: Simplified Chinese for zh-hans (and zh-cn, zh-sg), else English."""
    language = (get_language() or "en").lower()
    return "zh_Hans" if language in {"zh-hans", "zh-cn", "zh-sg", "zh"} else "en"


@require_safe
def captcha_audio(request: HttpRequest, key: str) -> HttpResponse:
    """``GET captcha/<key>.wav``: the challenge spoken in the active language, 410 once it is gone.

    Each fetch counts towards the client's ``RATE_LIMIT``, as a new picture does (429 with
    ``Retry-After`` over it), and each key may be spoken ``RENDERS_PER_KEY`` times; the
    widget's script fetches it once and replays it from memory.
    """
    if not is_valid_key(key):
        return text_error(Result(Reason.MALFORMED).message, 400)
    if audio_url(key) is None:
        raise Http404
    if not is_issued(key):  # made up: unknown, and no store is asked
        return text_error(Result(Reason.EXPIRED).message, 410)
    store = get_storage()
    try:
        entry = store.get(request, key)
        if store.is_live(entry):
            wait = ratelimit.retry_after(request)
            if wait is not None:
                response = text_error(str(RateLimited.message), 429)
                response["Retry-After"] = str(wait)
                return response
            if not ratelimit.render_allowed(key, "audio"):
                return text_error(_("This recording was requested too often. Please ask for a new picture."), 429)
    except StoreUnavailable:
        logger.error("Captcha store unavailable while serving audio", exc_info=True)
        return text_error(Result(Reason.UNAVAILABLE).message, 503)
    if not store.is_live(entry):
        return text_error(Result(Reason.EXPIRED).message, 410)
    challenge, rng = challenge_for(key)
    spoken = voice()
    body = audio.mix(challenge.display, rng, spoken)
    assert body is not None  # audio_url() checked that it can be spoken
    response = HttpResponse(body, content_type="audio/wav")
    response["Content-Language"] = "zh-Hans" if spoken == "zh_Hans" else "en"
    return private(response)
