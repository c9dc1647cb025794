"""The public endpoints: the picture for a key, and a new challenge as JSON.

The image view only reads the store: it redraws the picture from the key (the same key
always gives the same bytes), so reloading it or asking for the HiDPI copy costs no
state, and each key may be drawn only a few times (``ratelimit.RENDERS_PER_KEY``). The
JSON view issues through ``core.issue``, which counts every challenge towards the
client's ``RATE_LIMIT``; with ``?inline=1`` it also draws the picture into the JSON as a
data URL (one of that picture's renders), for single-page apps that would rather not make
a second request. The audio view, the picture's twin, is in views_audio.py.

Parsing a request and building its answer are plain functions (``image_asked``,
``image_response``, ``challenge_asked``, ``challenge_response``, ...) that the async views
(views_async.py) call too, so the two differ only in how they talk to the store.
"""

from __future__ import annotations

import base64
import logging
from typing import Any, NamedTuple

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_safe

from django_captcha_guard import image, proof_of_work, ratelimit
from django_captcha_guard.challenges import challenge_for
from django_captcha_guard.conf import get_config
from django_captcha_guard.core import MAX_SCOPE_LENGTH, RateLimited, Reason, Result, issue
from django_captcha_guard.keys import is_issued, is_valid_key
from django_captcha_guard.paths import image_path
from django_captcha_guard.responses import RATE_LIMITED, json_error, private, text_error
from django_captcha_guard.storage import Entry, StoreUnavailable, get_storage
from django_captcha_guard.views_audio import audio_url

__all__ = [
    "EXTENSIONS",
    "SCALES",
    "ChallengeAsked",
    "ImageAsked",
    "captcha_image",
    "challenge_asked",
    "challenge_response",
    "data_url",
    "image_asked",
    "image_response",
    "image_unavailable",
    "image_url",
    "is_valid_scope",
    "issuing_refused",
    "new_challenge",
    "picture",
    "retire",
    "retire_unavailable",
]

logger = logging.getLogger("django_captcha_guard")

EXTENSIONS = {"PNG": "png", "WEBP": "webp", "JPEG": "jpg"}
SCALES = {"1": 1, "2": 2}


def image_url(key: str, scale: int = 1) -> str:
    """The path of the picture for ``key`` in the configured format (``scale=2`` for HiDPI)."""
    url = image_path(key, EXTENSIONS[get_config().format])
    return f"{url}?scale={scale}" if scale != 1 else url


def is_valid_scope(scope: object) -> bool:
    """Whether ``scope`` is a short, printable string (it only ever feeds the digest)."""
    return isinstance(scope, str) and len(scope) <= MAX_SCOPE_LENGTH and scope.isprintable()


def picture(key: str, *, scale: int = 1, image_format: str | None = None) -> bytes:
    """The encoded picture for ``key``: the seeded draw that issuing used, so always the same bytes.

    The one place the views call the renderer, for the image endpoint and the inline picture alike.
    """
    challenge, rng = challenge_for(key)
    return image.render(challenge.display, rng, scale=scale, image_format=image_format)


def data_url(key: str, scale: int = 1) -> str:
    """The picture for ``key`` in the configured format, as a ``data:`` URL for an ``<img src>``."""
    body = base64.b64encode(picture(key, scale=scale)).decode("ascii")
    return f"data:{image.content_type()};base64,{body}"


def _scale(request: HttpRequest) -> int | None:
    """``?scale=1`` (the default) or ``?scale=2``; None for anything else."""
    scales = request.GET.getlist("scale") or ["1"]
    return SCALES[scales[0]] if len(scales) == 1 and scales[0] in SCALES else None


class ImageAsked(NamedTuple):
    """What a well-formed picture request asks for."""

    image_format: str
    scale: int


def image_asked(request: HttpRequest, key: str, extension: str) -> ImageAsked | HttpResponse:
    """The picture request parsed, or the 400 or 410 it gets; raises Http404 for an unknown extension.

    Shared by the sync and the async image views: only the store round trip differs. A key
    this site never issued is a 410 here, before any store is asked.
    """
    configured = get_config().format
    formats = {"png": "PNG", EXTENSIONS[configured]: configured}
    if extension not in formats:
        raise Http404
    if not is_valid_key(key):
        return text_error(Result(Reason.MALFORMED).message, 400)
    scale = _scale(request)
    if scale is None:
        return text_error(_("The scale must be 1 or 2."), 400)
    if not is_issued(key):
        return text_error(Result(Reason.EXPIRED).message, 410)
    return ImageAsked(formats[extension], scale)


def image_response(key: str, asked: ImageAsked, entry: Entry | None, allowed: bool) -> HttpResponse:
    """The answer to a picture request once the store said whether ``key`` lives and may be drawn."""
    if entry is None:
        return text_error(Result(Reason.EXPIRED).message, 410)
    if not allowed:
        return text_error(_("This picture was requested too often. Please ask for a new one."), 429)
    body = picture(key, scale=asked.scale, image_format=asked.image_format)
    return private(HttpResponse(body, content_type=image.content_type(asked.image_format)))


def image_unavailable() -> HttpResponse:
    """The 503 of a picture request, logged; call it from the ``except StoreUnavailable``."""
    logger.error("Captcha store unavailable while serving an image", exc_info=True)
    return text_error(Result(Reason.UNAVAILABLE).message, 503)


@require_safe
def captcha_image(request: HttpRequest, key: str, extension: str) -> HttpResponse:
    """``GET captcha/<key>.png``: the picture, 410 once the challenge is gone.

    ``.png`` always works and so does the configured format's extension; the extension
    picks the encoding. HEAD gets the same headers (Django drops the body).
    """
    asked = image_asked(request, key, extension)
    if isinstance(asked, HttpResponse):
        return asked
    try:
        # One round trip with Redis: the entry, and one render counted only if there is one.
        entry, allowed = get_storage().get_counted(request, key, ratelimit.render_counter(key))
    except StoreUnavailable:
        return image_unavailable()
    return image_response(key, asked, entry, allowed)


class ChallengeAsked(NamedTuple):
    """What a well-formed ``captcha/new/`` request asks for."""

    scope: str
    replaces: str | None  # a well-formed key to retire, if any
    inline: bool
    scale: int


def challenge_asked(request: HttpRequest) -> ChallengeAsked | HttpResponse:
    """The ``captcha/new/`` request parsed, or the 400 it gets; shared by the sync and async views."""
    scopes = request.GET.getlist("scope") or [""]
    replaces = request.GET.getlist("replaces")
    if len(scopes) != 1 or not is_valid_scope(scopes[0]) or len(replaces) > 1:
        return json_error(Reason.MALFORMED, _("Invalid scope or key in the request."))
    inline = request.GET.getlist("inline")
    scale = _scale(request)
    if inline not in ([], ["0"], ["1"]) or scale is None:
        return json_error(Reason.MALFORMED, _("Invalid inline or scale parameter: use inline=1 and scale=1 or 2."))
    # A made-up key has nothing to retire: no store is asked.
    retired = replaces[0] if replaces and is_valid_key(replaces[0]) and is_issued(replaces[0]) else None
    return ChallengeAsked(scopes[0], retired, inline == ["1"], scale)


def issuing_refused(refusal: RateLimited | StoreUnavailable) -> HttpResponse:
    """The 429 (with ``Retry-After``) or the 503 of ``captcha/new/``."""
    if isinstance(refusal, RateLimited):
        response = json_error(RATE_LIMITED, str(refusal.message))
        response["Retry-After"] = str(refusal.retry_after)
        return response
    # Already logged where it happened (rate limit, store or core.issue).
    return json_error(Reason.UNAVAILABLE, Result(Reason.UNAVAILABLE).message)


def challenge_response(key: str, puzzle: dict[str, Any] | None, inline_scale: int | None) -> HttpResponse:
    """The JSON of a new challenge; ``inline_scale`` when its picture goes into the body."""
    body: dict[str, object] = {
        "key": key,
        "image_url": image_url(key),
        "audio_url": audio_url(key),
        "expires_in": get_config().timeout,
    }
    if puzzle is not None:
        body["pow"] = puzzle  # PROOF_OF_WORK: post its stamp as captcha_pow (docs/cost.md)
    if inline_scale is not None:
        body["image"] = data_url(key, inline_scale)
    return private(JsonResponse(body))


@require_GET
def new_challenge(request: HttpRequest) -> HttpResponse:
    """``GET captcha/new/``: issue a challenge, for SPAs and the refresh button.

    ``?scope=`` binds it to a scope; ``?replaces=<key>`` retires the challenge it replaces,
    so a page that refreshes often still holds only one. 429 with ``Retry-After`` once a
    client asks for more than ``RATE_LIMIT`` a minute; 503 when the store is down.
    ``?inline=1`` adds ``"image"``, the picture as a ``data:`` URL (``&scale=2`` for HiDPI):
    it counts as one of the picture's ``RENDERS_PER_KEY``, and ``image_url`` still works.
    ``audio_url`` is the spoken challenge (null when it cannot be spoken or ``AUDIO`` is off).
    With ``PROOF_OF_WORK`` the body carries ``"pow"``, the puzzle to solve.
    """
    asked = challenge_asked(request)
    if isinstance(asked, HttpResponse):
        return asked
    try:
        key = issue(request, asked.scope)
        if asked.replaces is not None:
            retire(request, asked.replaces)
        # A fresh key has had no render yet, so this only counts (it never refuses).
        drawn = asked.inline and ratelimit.render_counter(key).spend()
    except (RateLimited, StoreUnavailable) as refusal:
        return issuing_refused(refusal)
    return challenge_response(key, proof_of_work.puzzle(request, key), asked.scale if drawn else None)


def retire(request: HttpRequest, key: str) -> None:
    """Consume the challenge a new one replaces; logged and re-raised when the store is down."""
    try:
        get_storage().pop(request, key)
    except StoreUnavailable:
        retire_unavailable()
        raise


def retire_unavailable() -> None:
    """The log line of a failed retirement; call it from the ``except StoreUnavailable``, then re-raise."""
    logger.error("Captcha store unavailable while retiring a replaced challenge", exc_info=True)
