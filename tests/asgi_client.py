"""Django's AsyncClient behind the sync test client's methods, for running sync tests over ASGI."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient

REQUESTS = frozenset({"get", "post", "head", "options", "put", "patch", "delete", "trace"})


class AsgiClient:
    """Each request goes through Django's ASGI handler (``AsyncClient``), awaited to its end.

    A test written for ``Client`` then runs unchanged against the async views as an ASGI
    server would serve them: no thread hop around the view, the request in an event loop.
    """

    def __init__(self, **defaults: Any) -> None:
        self._client = AsyncClient(**defaults)

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if name not in REQUESTS:
            return attribute
        send = async_to_sync(attribute)

        def request(*args: Any, **extra: Any) -> Any:
            return send(*args, **as_scope(extra))

        return request


def as_scope(extra: dict[str, Any]) -> dict[str, Any]:
    """``Client``'s WSGI-style ``HTTP_*`` and ``REMOTE_ADDR`` keywords as AsyncClient takes them.

    AsyncClient puts its keywords into the ASGI scope, where ``HTTP_ACCEPT_LANGUAGE`` means
    nothing: headers go in ``headers``, the client address in ``client``.
    """
    headers = dict(extra.pop("headers", None) or {})
    for name in [name for name in extra if name.startswith("HTTP_")]:
        headers[name[5:].replace("_", "-").lower()] = extra.pop(name)
    if "REMOTE_ADDR" in extra:
        extra["client"] = (extra.pop("REMOTE_ADDR"), 0)
    return {**extra, "headers": headers} if headers else extra


@pytest.fixture
def asgi_urls(settings: Any) -> Iterator[None]:
    """The async endpoints under ``captcha/`` (tests/urls_async.py)."""
    settings.ROOT_URLCONF = "tests.urls_async"
    yield
