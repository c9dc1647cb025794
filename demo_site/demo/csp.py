"""A strict Content-Security-Policy on every response of the demo.

No ``'unsafe-inline'`` anywhere: the demo proves that the captcha widget, its refresh
button and the single-page view work with scripts and styles from our own origin only.
The per-request nonce is what the ``{% captcha %}`` tag reads as ``request.csp_nonce``
for any ``<script>`` element it writes.

Workers (the proof-of-work search) come from our origin only (``worker-src 'self'``).
Pictures come from our origin only, except on a page marked :func:`allow_data_images`:
the SMS page shows the inline picture of ``captcha/new/?inline=1``, a ``data:`` URL, and
``img-src data:`` is allowed there and nowhere else.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

POLICY = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; img-src {img_src}; "
    "connect-src 'self'; worker-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; "
    "frame-ancestors 'none'"
)


IMG_SRC = "'self'"
IMG_SRC_WITH_DATA = "'self' data:"
_IMG_SRC_ATTRIBUTE = "demo_csp_img_src"


def allow_data_images(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let this view's page show ``data:`` pictures (``img-src 'self' data:``)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        setattr(request, _IMG_SRC_ATTRIBUTE, IMG_SRC_WITH_DATA)
        return view(request, *args, **kwargs)

    return wrapped


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(16)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        img_src = getattr(request, _IMG_SRC_ATTRIBUTE, IMG_SRC)
        response.headers["Content-Security-Policy"] = POLICY.format(nonce=nonce, img_src=img_src)
        return response
