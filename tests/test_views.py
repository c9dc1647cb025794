"""The image endpoint and the JSON endpoint that issues challenges."""

from __future__ import annotations

import io
import logging
import time
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient, Client, RequestFactory
from django.urls import reverse
from PIL import Image

from django_captcha_guard import core
from django_captcha_guard.core import Reason
from django_captcha_guard.storage import get_storage
from django_captcha_guard.testing import solve, solved_fields
from django_captcha_guard.views import captcha_image, image_url
from tests.outage import DOWN
from tests.stores import FakeClock, Harness, SpyStore

pytestmark = pytest.mark.usefixtures("memory_store")

NEW = "/captcha/new/"


def configure(settings: Any, **options: Any) -> None:
    settings.CAPTCHA_GUARD = {**settings.CAPTCHA_GUARD, **options}


def new(client: Client, query: str = "") -> dict[str, Any]:
    response = client.get(NEW + query)
    assert response.status_code == 200, response.content
    data: dict[str, Any] = response.json()
    return data


def live(key: str) -> bool:
    store = get_storage()
    return store.is_live(store.get(RequestFactory().get("/"), key))


# --- JSON endpoint ----------------------------------------------------------------------


def test_new_issues_a_live_challenge(client: Client) -> None:
    response = client.get(NEW)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    data = response.json()
    assert set(data) == {"key", "image_url", "audio_url", "expires_in"}
    assert core.is_valid_key(data["key"])
    assert data["image_url"] == f"/captcha/{data['key']}.png"
    assert data["audio_url"] == f"/captcha/{data['key']}.wav"
    assert data["expires_in"] == 300
    assert live(data["key"])


def test_new_follows_timeout_and_format(client: Client, settings: Any) -> None:
    configure(settings, TIMEOUT=120, FORMAT="WEBP")
    data = new(client)
    assert data["expires_in"] == 120
    assert data["image_url"] == f"/captcha/{data['key']}.webp"


def test_new_binds_the_scope(client: Client) -> None:
    data = new(client, "?scope=login")
    request = RequestFactory().post("/")
    assert core.verify(request, data["key"], solve(data["key"]), "signup").reason is Reason.WRONG
    data = new(client, "?scope=login")
    assert core.verify(request, data["key"], solve(data["key"]), "login").ok


def test_new_retires_the_challenge_it_replaces(client: Client) -> None:
    old = new(client)["key"]
    replacement = new(client, f"?replaces={old}")["key"]
    assert not live(old)
    assert live(replacement)


@pytest.mark.parametrize("replaces", ["", "not-a-key", "x" * 5000, "%00"])
def test_new_ignores_a_replaces_value_that_is_no_key(client: Client, replaces: str) -> None:
    assert live(new(client, f"?replaces={replaces}")["key"])


@pytest.mark.parametrize(
    "query",
    ["?scope=" + "s" * 65, "?scope=a%0Ab", "?scope=%00", "?scope=a&scope=b", "?replaces=a&replaces=b"],
)
def test_new_rejects_bad_parameters_with_json(client: Client, query: str) -> None:
    response = client.get(NEW + query)
    assert response.status_code == 400
    assert response.json() == {"code": 400, "errmsg": "Invalid scope or key in the request.", "reason": "malformed"}


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_new_only_answers_get(client: Client, method: str) -> None:
    assert getattr(client, method)(NEW).status_code == 405


def test_new_answers_503_json_when_the_store_is_down(client: Client, settings: Any, caplog: Any) -> None:
    configure(settings, STORE=DOWN)
    with caplog.at_level(logging.ERROR, logger="django_captcha_guard"):
        response = client.get(NEW)
    assert response.status_code == 503
    assert response.json() == {"code": 503, "errmsg": str(core.MESSAGES[Reason.UNAVAILABLE]), "reason": "unavailable"}
    assert "no-store" in response["Cache-Control"]
    assert "unavailable" in caplog.text


def test_new_is_rate_limited_per_client(settings: Any) -> None:
    configure(settings, RATE_LIMIT=2)
    first, second = Client(REMOTE_ADDR="192.0.2.1"), Client(REMOTE_ADDR="192.0.2.2")
    new(first)
    new(first)
    limited = first.get(NEW)
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert limited.json()["code"] == 429
    assert limited.json()["reason"] == "rate_limited"
    new(second)  # another client has its own count


def test_rate_limit_can_be_switched_off(client: Client, settings: Any) -> None:
    configure(settings, RATE_LIMIT=None)
    for _ in range(70):
        new(client)


def test_new_works_with_the_session_store(client: Client, settings: Any, db: None) -> None:
    settings.CAPTCHA_GUARD = {"STORE": {"BACKEND": "session"}}
    data = new(client)
    assert client.get(data["image_url"]).status_code == 200
    assert Client().get(data["image_url"]).status_code == 410  # another visitor's session


def test_new_works_with_the_default_store(client: Client, settings: Any, db: None) -> None:
    settings.CAPTCHA_GUARD = {}
    data = new(client)
    assert client.get(data["image_url"]).status_code == 200
    assert Client().get(data["image_url"]).status_code == 200  # a row in the database, no session


# --- image endpoint ---------------------------------------------------------------------


def picture(client: Client, url: str) -> Image.Image:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return Image.open(io.BytesIO(response.content))


def test_image_serves_the_picture_uncached(client: Client) -> None:
    key = new(client)["key"]
    response = client.get(image_url(key))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")


def test_image_is_the_same_for_the_same_key_and_does_not_consume(client: Client) -> None:
    key = new(client)["key"]
    assert client.get(image_url(key)).content == client.get(image_url(key)).content
    assert core.verify(RequestFactory().post("/"), key, solve(key)).ok


def test_image_scale_two_doubles_the_pixels(client: Client) -> None:
    key = new(client)["key"]
    normal, hidpi = picture(client, image_url(key)), picture(client, image_url(key, scale=2))
    assert hidpi.size == (normal.size[0] * 2, normal.size[1] * 2)


@pytest.mark.parametrize("scale", ["3", "0", "1.5", "two", "", "1&scale=2"])
def test_image_rejects_other_scales(client: Client, scale: str) -> None:
    key = new(client)["key"]
    response = client.get(f"{image_url(key)}?scale={scale}")
    assert response.status_code == 400
    assert response.content.decode() == "The scale must be 1 or 2."


@pytest.mark.parametrize("key", ["short", "a" * 23, "a" * 21 + "!", "a" * 21 + "%00", "..%5C..%5Cetc", "%C3%A9" * 22])
def test_malformed_key_is_400_without_touching_the_store(client: Client, settings: Any, key: str) -> None:
    configure(settings, STORE={"BACKEND": "tests.stores.SpyStore"})
    SpyStore.calls.clear()
    response = client.get(f"/captcha/{key}.png")
    assert response.status_code == 400
    assert "no-store" in response["Cache-Control"]
    assert SpyStore.calls == []


def test_unknown_used_and_expired_keys_are_gone(client: Client, memory_store: FakeClock) -> None:
    assert client.get(image_url(core.new_key())).status_code == 410
    used = new(client)["key"]
    core.verify(RequestFactory().post("/"), used, "wrong")
    assert client.get(image_url(used)).status_code == 410
    expiring = new(client)["key"]
    memory_store.advance(301)
    response = client.get(image_url(expiring))
    assert response.status_code == 410
    assert response.content.decode() == str(core.MESSAGES[Reason.EXPIRED])
    assert "no-store" in response["Cache-Control"]


def test_head_answers_like_get_without_a_body(client: Client) -> None:
    key = new(client)["key"]
    response = client.head(image_url(key))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content == b""
    assert client.head(image_url(core.new_key())).status_code == 410


def test_png_and_the_configured_format_are_served_others_are_not(client: Client, settings: Any) -> None:
    configure(settings, FORMAT="WEBP")
    key = new(client)["key"]
    webp = client.get(f"/captcha/{key}.webp")
    assert webp.status_code == 200
    assert webp["Content-Type"] == "image/webp"
    assert client.get(f"/captcha/{key}.png")["Content-Type"] == "image/png"
    assert client.get(f"/captcha/{key}.gif").status_code == 404
    assert client.get(f"/captcha/{key}.jpg").status_code == 404


def test_image_answers_503_when_the_store_is_down(client: Client, settings: Any, caplog: Any) -> None:
    configure(settings, STORE=DOWN)
    with caplog.at_level(logging.ERROR, logger="django_captcha_guard"):
        response = client.get(image_url(core.new_key()))
    assert response.status_code == 503
    assert response.content.decode() == str(core.MESSAGES[Reason.UNAVAILABLE])
    assert "serving an image" in caplog.text


def test_image_only_allows_safe_methods(client: Client) -> None:
    key = new(client)["key"]
    assert client.post(image_url(key)).status_code == 405
    assert live(key)


def test_image_view_reads_every_store(any_store: Harness) -> None:
    """Issued in one request, drawn in later ones (as by another worker), for each store."""
    issuing = any_store.request()
    key = core.issue(issuing)
    any_store.finish(issuing)

    def draw() -> Any:
        request = any_store.request()
        request.method = "GET"
        return captcha_image(request, key=key, extension="png")

    response = draw()
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    any_store.clock.advance(301)
    assert draw().status_code == 410


def test_image_url_is_reversible_by_name() -> None:
    key = core.new_key()
    assert reverse("captcha_guard:image", kwargs={"key": key, "extension": "png"}) == image_url(key)
    assert image_url(key, scale=2) == f"/captcha/{key}.png?scale=2"


@pytest.mark.django_db
def test_anonymous_page_views_create_no_sessions(settings: Any) -> None:
    """With the session store, 20,000 cookie-less GETs once left 20,000 session rows for 14 days."""
    from django.contrib.sessions.models import Session

    from django_captcha_guard.models import Challenge

    settings.CAPTCHA_GUARD = {"RATE_LIMIT": None}
    keys = set()
    for _ in range(50):
        response = Client().get("/page/")
        assert response.status_code == 200
        assert "sessionid" not in response.cookies
        keys.add(solved_fields(response)["captcha_key"])
    assert Session.objects.count() == 0
    # Rows of earlier tests may remain: inside a test's transaction the store commits on its own connection.
    challenges = [c for c in Challenge.objects.all() if c.key.split(":")[1] in keys]
    assert len(challenges) == 50
    assert all(c.expires_at <= time.time() + 300 for c in challenges)  # each lives for TIMEOUT


@pytest.mark.parametrize("charset", ["rot13", "base64", "no-such-charset"])
def test_a_bogus_charset_does_not_break_the_captcha_urls(settings: Any, charset: str) -> None:
    """Under ASGI, Django reads the query string as UTF-8 whatever the Content-Type says.

    (Under WSGI, Django 5.2 itself fails to build the request for such a charset and a query
    string, before any middleware or view runs.)
    """
    settings.CAPTCHA_GUARD = {"STORE": {"BACKEND": "memory"}}
    client = AsyncClient()
    headers = {"CONTENT_TYPE": f"text/plain; charset={charset}"}
    new = async_to_sync(client.get)("/captcha/new/?scope=x", **headers)
    assert new.status_code == 200
    image = async_to_sync(client.get)(f"{new.json()['image_url']}?scale=2", **headers)
    assert image.status_code == 200
