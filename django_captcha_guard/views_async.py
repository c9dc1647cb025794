"""Async twins of the two hot endpoints, for ASGI servers: ``captcha/new/`` and the picture.

Under ASGI Django runs a sync view in a thread (``sync_to_async``), one hop per request;
these views await the store instead (``BaseStore.asave_counted`` and its kin: native asyncio
round trips on Redis, the sync store in that same thread on anything else). Parsing the
request and building the answer are the sync views' own functions (views.py), so
statuses, messages, headers, rate limits, the per-key render budget and log lines are the
same by construction.

Drawing the picture (a millisecond or so of Pillow) stays on the event loop: moving it to
a thread would cost the hop these views exist to avoid, and under the GIL a thread would
not draw it any sooner. The audio endpoint is rarer and counts in three steps; it stays
the sync view (urls_async.py routes to it).

Under WSGI an async view would cost an event loop per request, which is why these views
are opt-in through their own URLconf rather than the default.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET, require_safe

from django_captcha_guard import proof_of_work, ratelimit
from django_captcha_guard.core import RateLimited, aissue
from django_captcha_guard.storage import StoreUnavailable, get_storage
from django_captcha_guard.views import (
    challenge_asked,
    challenge_response,
    image_asked,
    image_response,
    image_unavailable,
    issuing_refused,
    retire_unavailable,
)

__all__ = ["captcha_image", "new_challenge"]


@require_safe
async def captcha_image(request: HttpRequest, key: str, extension: str) -> HttpResponse:
    """:func:`django_captcha_guard.views.captcha_image`, awaiting the store."""
    asked = image_asked(request, key, extension)
    if isinstance(asked, HttpResponse):
        return asked
    try:
        entry, allowed = await get_storage().aget_counted(request, key, ratelimit.render_counter(key))
    except StoreUnavailable:
        return image_unavailable()
    return image_response(key, asked, entry, allowed)


@require_GET
async def new_challenge(request: HttpRequest) -> HttpResponse:
    """:func:`django_captcha_guard.views.new_challenge`, awaiting the store."""
    asked = challenge_asked(request)
    if isinstance(asked, HttpResponse):
        return asked
    try:
        key = await aissue(request, asked.scope)
        if asked.replaces is not None:
            await _retire(request, asked.replaces)
        drawn = asked.inline and await ratelimit.render_counter(key).aspend()
    except (RateLimited, StoreUnavailable) as refusal:
        return issuing_refused(refusal)
    # The puzzle reads the client's failure count (the counters' cache) only with PROOF_OF_WORK on.
    puzzle = await sync_to_async(proof_of_work.puzzle)(request, key) if proof_of_work.max_number() else None
    return challenge_response(key, puzzle, asked.scale if drawn else None)


async def _retire(request: HttpRequest, key: str) -> None:
    try:
        await get_storage().apop(request, key)
    except StoreUnavailable:
        retire_unavailable()
        raise
