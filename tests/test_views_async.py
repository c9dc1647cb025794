"""Every test of the sync endpoints (test_views.py, test_views_inline.py), against the async ones.

The ``client`` fixture here is Django's AsyncClient (requests through the ASGI handler)
and ``captcha/`` routes to django_captcha_guard.urls_async, so each status, message,
header, limit and log line those tests pin down holds for the async views too. Tests
there that build their own ``Client`` reach the async views through the WSGI handler,
which Django also supports. Here the stores are the memory store and the test doubles,
which the async views reach through ``BaseStore``'s thread fallback; the Redis-native
path is in test_storage_async.py and test_servers_async.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from django_captcha_guard import views_async
from tests.asgi_client import AsgiClient, asgi_urls  # noqa: F401
from tests.test_views import *  # noqa: F403
from tests.test_views_inline import *  # noqa: F403

pytestmark = pytest.mark.usefixtures("memory_store", "asgi_urls")


@pytest.fixture
def client() -> Any:
    return AsgiClient()


def test_the_async_urls_route_to_the_async_views() -> None:
    from django.urls import resolve

    assert resolve("/captcha/new/").func is views_async.new_challenge
    assert resolve(f"/captcha/{'A' * 22}.png").func is views_async.captcha_image
