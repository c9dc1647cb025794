"""``captcha/new/?inline=1``: the picture inside the JSON, as a ``data:`` URL, for SPAs."""

from __future__ import annotations

import base64
import io
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from PIL import Image

from django_captcha_guard.ratelimit import RENDERS_PER_KEY
from django_captcha_guard.views import image_url
from tests.outage import DOWN

pytestmark = pytest.mark.usefixtures("memory_store")

NEW = "/captcha/new/"
PNG_PREFIX = "data:image/png;base64,"


def inline(client: Client, query: str = "") -> dict[str, Any]:
    response = client.get(f"{NEW}?inline=1{query}")
    assert response.status_code == 200, response.content
    assert "no-store" in response["Cache-Control"]
    data: dict[str, Any] = response.json()
    return data


def decoded(data_url: str, prefix: str = PNG_PREFIX) -> bytes:
    assert data_url.startswith(prefix), data_url[:40]
    return base64.b64decode(data_url.removeprefix(prefix), validate=True)


def test_inline_is_the_same_picture_as_the_image_url(client: Client) -> None:
    data = inline(client)
    assert set(data) == {"key", "image_url", "audio_url", "image", "expires_in"}
    assert data["image_url"] == image_url(data["key"])
    assert decoded(data["image"]) == client.get(data["image_url"]).content


def test_without_inline_there_is_no_picture_in_the_json(client: Client) -> None:
    assert "image" not in client.get(NEW).json()
    assert "image" not in client.get(f"{NEW}?inline=0").json()


def test_inline_scale_two_is_the_hidpi_picture(client: Client) -> None:
    data = inline(client, "&scale=2")
    picture = Image.open(io.BytesIO(decoded(data["image"])))
    assert picture.size == (480, 160)
    assert decoded(data["image"]) == client.get(image_url(data["key"], scale=2)).content


def test_inline_follows_the_configured_format(client: Client, settings: Any) -> None:
    settings.CAPTCHA_GUARD = {**settings.CAPTCHA_GUARD, "FORMAT": "WEBP"}
    data = inline(client)
    assert Image.open(io.BytesIO(decoded(data["image"], "data:image/webp;base64,"))).format == "WEBP"


def test_inline_counts_as_one_of_the_pictures_renders(client: Client) -> None:
    data = inline(client)
    statuses = [client.get(data["image_url"]).status_code for _ in range(RENDERS_PER_KEY)]
    assert statuses == [200] * (RENDERS_PER_KEY - 1) + [429]


def test_inline_counts_towards_the_rate_limit(settings: Any) -> None:
    settings.CAPTCHA_GUARD = {**settings.CAPTCHA_GUARD, "RATE_LIMIT": 2}
    client = Client(REMOTE_ADDR="192.0.2.7")
    inline(client)
    inline(client)
    limited = client.get(f"{NEW}?inline=1")
    assert limited.status_code == 429
    assert "image" not in limited.json()


def test_inline_picture_measures_about_one_and_a_half_kilobytes(client: Client) -> None:
    """What the docs quote: the 1x PNG is about 1.2 kB (1.0 to 1.3 in 200), and base64 adds a third."""
    sizes = [len(inline(client)["image"]) for _ in range(20)]
    assert all(1_200 < size < 2_200 for size in sizes), sizes


@pytest.mark.parametrize("query", ["inline=2", "inline=yes", "inline=1&inline=1", "inline=1&scale=3", "scale=x"])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_bad_inline_parameters_are_a_translated_400(client: Client, query: str, language: str) -> None:
    response = client.get(f"{NEW}?{query}", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    with translation.override(language):
        expected = translation.gettext("Invalid inline or scale parameter: use inline=1 and scale=1 or 2.")
    assert response.json() == {"code": 400, "errmsg": expected, "reason": "malformed"}
    if language != "en":
        assert expected != "Invalid inline or scale parameter: use inline=1 and scale=1 or 2."


def test_inline_answers_503_when_the_store_is_down(client: Client, settings: Any) -> None:
    settings.CAPTCHA_GUARD = {**settings.CAPTCHA_GUARD, "STORE": DOWN}
    response = client.get(f"{NEW}?inline=1")
    assert response.status_code == 503
    assert response.json()["reason"] == "unavailable"
