"""drf-spectacular: document ``captcha/new/`` and the picture in the generated OpenAPI schema.

The two endpoints are plain Django views, which drf-spectacular does not see, so this is a
postprocessing hook that adds them (at the paths the URLconf really gives them) with their
parameters, the JSON they return and every refusal::

    SPECTACULAR_SETTINGS = {
        "POSTPROCESSING_HOOKS": [
            "drf_spectacular.hooks.postprocess_schema_enums",  # drf-spectacular's default
            "django_captcha_guard.contrib.spectacular.captcha_endpoints",
        ],
    }

The serializer fields need nothing: ``CaptchaKeyField`` and ``CaptchaAnswerField`` are
``CharField`` subclasses, so they are documented as write-only strings with their help text.
Nothing here imports drf-spectacular; the hook only edits the schema dict it is given.
"""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse

from django_captcha_guard.core import KEY_LENGTH, MAX_SCOPE_LENGTH

__all__ = ["captcha_endpoints"]

TAG = "captcha"
ERROR = {
    "type": "object",
    "description": "A refusal, in the shape of every refusal of the package.",
    "properties": {
        "code": {"type": "integer", "description": "The HTTP status again."},
        "errmsg": {"type": "string", "description": "What went wrong, in the request's language."},
        "reason": {"type": "string", "enum": ["malformed", "rate_limited", "unavailable"]},
    },
    "required": ["code", "errmsg", "reason"],
}
CHALLENGE = {
    "type": "object",
    "properties": {
        "key": {"type": "string", "minLength": KEY_LENGTH, "maxLength": KEY_LENGTH},
        "image_url": {"type": "string", "description": "The picture; add ?scale=2 for the HiDPI copy."},
        "image": {
            "type": "string",
            "description": "With inline=1 only: the picture as a data: URL (about 3 kB; the page's CSP "
            "needs img-src data:).",
        },
        "expires_in": {"type": "integer", "description": "Seconds the challenge can be answered."},
    },
    "required": ["key", "image_url", "expires_in"],
}


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def _refusal(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CaptchaError"}}},
    }


def _new_operation() -> dict[str, Any]:
    return {
        "operationId": "captcha_new",
        "summary": "Issue a new challenge",
        "description": "For single-page apps and the widget's refresh button. Counts towards the client's "
        "RATE_LIMIT. Answer it by sending captcha_key and captcha_answer with the protected request.",
        "tags": [TAG],
        "parameters": [
            _query("scope", "The scope the challenge is for.", {"type": "string", "maxLength": MAX_SCOPE_LENGTH}),
            _query("replaces", "A key this challenge replaces; it is retired.", {"type": "string"}),
            _query("inline", "1 adds the picture to the JSON as a data: URL.", {"type": "string", "enum": ["0", "1"]}),
            _query("scale", "With inline=1: 2 for the HiDPI picture.", {"type": "string", "enum": ["1", "2"]}),
        ],
        "responses": {
            "200": {
                "description": "A new challenge.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CaptchaChallenge"}}},
            },
            "400": _refusal("A malformed parameter."),
            "429": _refusal("Too many challenges this minute; see the Retry-After header."),
            "503": _refusal("The challenge store is unavailable."),
        },
    }


def _image_operation() -> dict[str, Any]:
    text = {"text/plain": {"schema": {"type": "string"}}}
    return {
        "operationId": "captcha_image",
        "summary": "The picture of a challenge",
        "tags": [TAG],
        "parameters": [
            {"name": "key", "in": "path", "required": True, "schema": {"type": "string"}},
            _query("scale", "2 for the HiDPI picture.", {"type": "string", "enum": ["1", "2"]}),
        ],
        "responses": {
            "200": {
                "description": "The picture.",
                "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
            },
            "400": {"description": "A malformed key or scale.", "content": text},
            "410": {"description": "The challenge was used or has expired.", "content": text},
            "429": {"description": "This picture was drawn too often.", "content": text},
            "503": {"description": "The challenge store is unavailable.", "content": text},
        },
    }


def captcha_endpoints(
    result: dict[str, Any], generator: Any = None, request: Any = None, public: bool = True
) -> dict[str, Any]:
    """A drf-spectacular postprocessing hook: adds ``captcha/new/`` and the picture to ``result``."""
    try:
        new_path = reverse("captcha_guard:new")
        image_path = reverse("captcha_guard:image", kwargs={"key": "K" * KEY_LENGTH, "extension": "png"})
    except NoReverseMatch:
        return result  # the URLs are not included (check E031 says so)
    image_path = image_path.replace("K" * KEY_LENGTH, "{key}")
    paths = result.setdefault("paths", {})
    paths[new_path] = {"get": _new_operation()}
    paths[image_path] = {"get": _image_operation()}
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(CaptchaChallenge=CHALLENGE, CaptchaError=ERROR)
    return result
