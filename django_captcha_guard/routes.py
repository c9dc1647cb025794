"""Which requests ``PROTECTED_ROUTES`` protects.

An entry is a URL name (``"login"``, or ``"accounts:login"`` inside a namespace: compared
with the resolved view name, exactly as ``reverse()`` would name it), a path starting with
``/`` (exact, or a prefix when it ends in ``*``; compared with ``request.path_info`` so the
site's mount point does not matter), or a dict ``{"route": ..., "methods": [...],
"scope": ...}``. Methods default to every method but GET, HEAD, OPTIONS and TRACE, which
never match. The settings check (E013) has already refused any other shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from django_captcha_guard.conf import SAFE_METHODS, get_config

__all__ = ["Protection", "match", "protection_for"]


@dataclass(frozen=True)
class Protection:
    """A matching entry: the scope its challenges were issued for."""

    scope: str


def match(request: HttpRequest) -> Protection | None:
    """The first ``PROTECTED_ROUTES`` entry covering this request, or None."""
    resolver_match = getattr(request, "resolver_match", None)
    view_name = resolver_match.view_name if resolver_match is not None else None
    return protection_for(request.path_info, view_name, request.method or "")


def protection_for(path: str, view_name: str | None, method: str = "POST") -> Protection | None:
    """The first entry covering ``method`` on ``path`` (resolved to ``view_name``), or None.

    Also what the system checks ask about a URL, such as an admin site's login.
    """
    method = method.upper()
    if method in SAFE_METHODS:
        return None
    for entry in get_config().protected_routes:
        route, methods, scope = _parts(entry)
        if (methods is None or method in methods) and _covers(route, path, view_name):
            return Protection(scope)
    return None


def _parts(entry: str | Mapping[str, Any]) -> tuple[str, set[str] | None, str]:
    """Route, methods (None: every unsafe one) and scope of an entry."""
    if isinstance(entry, str):
        return entry, None, ""
    methods = {str(m).upper() for m in entry["methods"]} if entry.get("methods") else None
    return entry["route"], methods, entry.get("scope", "")


def _covers(route: str, path: str, view_name: str | None) -> bool:
    if not route.startswith("/"):
        return route == view_name
    if route.endswith("*"):
        return path.startswith(route[:-1])
    return path == route
