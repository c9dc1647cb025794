"""Which client sent a request, for rate limits and log lines."""

from __future__ import annotations

from django.http import HttpRequest

from django_captcha_guard.conf import get_config

__all__ = ["client_ip"]


def client_ip(request: HttpRequest) -> str:
    """The client address, trusting ``X-Forwarded-For`` only as far as configured.

    With ``TRUSTED_PROXIES = n``, each of the n proxies in front of Django appends the
    address it received from, so the n-th entry from the right is the one a proxy we
    trust wrote; anything further left was written by the client and may be forged.
    """
    remote: str = request.META.get("REMOTE_ADDR", "")
    proxies: int = get_config().trusted_proxies
    if proxies:
        header: str = request.META.get("HTTP_X_FORWARDED_FOR", "")
        forwarded = [part.strip() for part in header.split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return remote
