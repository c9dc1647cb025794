"""CaptchaKeyField and CaptchaAnswerField in DRF (sync) and adrf (async) views; the OpenAPI schema."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import path
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.settings import patched_settings
from rest_framework.test import APIClient

from django_captcha_guard.core import MESSAGES, Reason
from django_captcha_guard.keys import new_key
from tests.integration import alive, challenge, fields, wrong
from tests.outage import DOWN
from tests.views import FieldView, OrderSerializer

SYNC, ASYNC = "/guarded/drf/field/", "/guarded/drf/field-async/"
VIEWS = pytest.mark.parametrize("url", [SYNC, ASYNC], ids=["sync", "async"])
pytestmark = pytest.mark.usefixtures("memory_store")
HOOKS = ["drf_spectacular.hooks.postprocess_schema_enums", "django_captcha_guard.contrib.spectacular.captcha_endpoints"]


@VIEWS
@pytest.mark.parametrize("format", ["json", "multipart"])
def test_a_solved_challenge_passes_and_stays_out_of_validated_data(api: APIClient, url: str, format: str) -> None:
    key, answer = challenge()
    response = api.post(url, {**fields(key, answer), "email": "ann@example.com"}, format=format)
    assert response.status_code == 201, response.content
    assert response.json() == {"email": "ann@example.com"}
    assert not alive(key)


@VIEWS
def test_a_wrong_answer_is_a_field_error_next_to_the_others(api: APIClient, url: str) -> None:
    key, answer = challenge()
    response = api.post(url, {**fields(key, wrong(answer)), "email": "not an address"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["captcha_answer"] == [str(MESSAGES[Reason.WRONG])]
    assert "email" in body  # validated with the rest, so the challenge is spent either way
    assert not alive(key)


@VIEWS
def test_a_replay_is_refused(api: APIClient, url: str) -> None:
    key, answer = challenge()
    data = {**fields(key, answer), "email": "ann@example.com"}
    assert api.post(url, data, format="json").status_code == 201
    replay = api.post(url, data, format="json")
    assert replay.status_code == 400
    assert replay.json() == {"captcha_answer": [str(MESSAGES[Reason.EXPIRED])]}


@VIEWS
def test_missing_fields_are_reported_on_the_answer(api: APIClient, url: str) -> None:
    response = api.post(url, {"email": "ann@example.com"}, format="json")
    assert response.json() == {"captcha_answer": [str(MESSAGES[Reason.MISSING])]}


def test_the_scope_is_the_fields_own(api: APIClient) -> None:
    key, answer = challenge()
    response = api.post("/guarded/drf/field-scoped/", {**fields(key, answer), "email": "a@b.cn"}, format="json")
    assert response.json() == {"captcha_answer": [str(MESSAGES[Reason.WRONG])]}
    key, answer = challenge(scope="order")
    response = api.post("/guarded/drf/field-scoped/", {**fields(key, answer), "email": "a@b.cn"}, format="json")
    assert response.status_code == 201


@VIEWS
def test_the_message_follows_the_request_language(api: APIClient, url: str) -> None:
    key, answer = challenge()
    response = api.post(url, fields(key, wrong(answer)), format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    with translation.override("zh-hans"):
        assert response.json()["captcha_answer"] == [str(MESSAGES[Reason.WRONG])]


@VIEWS
def test_a_store_outage_is_a_503_in_the_package_shape(api: APIClient, url: str, settings: Any) -> None:
    settings.CAPTCHA_GUARD = {"STORE": DOWN}
    response = api.post(url, {"captcha_key": new_key(), "captcha_answer": "x", "email": "a@b.cn"}, format="json")
    assert response.status_code == 503
    assert response.json()["reason"] == "unavailable"


def test_without_the_request_the_error_names_the_serializer() -> None:
    with pytest.raises(ImproperlyConfigured, match="OrderSerializer checks a captcha and needs the request"):
        OrderSerializer(data={"email": "ann@example.com"}).is_valid()


def schema(settings: Any) -> dict[str, Any]:
    settings.REST_FRAMEWORK = {"DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"}
    generator = SchemaGenerator(patterns=[path("orders/", FieldView.as_view())])
    # drf-spectacular reads SPECTACULAR_SETTINGS once; this is its own way to change them.
    with patched_settings({"POSTPROCESSING_HOOKS": HOOKS, "COMPONENT_SPLIT_REQUEST": True}):
        result: dict[str, Any] = generator.get_schema(request=None, public=True)
    return result


def test_the_schema_documents_the_captcha_fields(settings: Any) -> None:
    components = schema(settings)["components"]["schemas"]
    request = components["OrderRequest"]
    assert request["required"] == ["captcha_answer", "captcha_key", "email"]
    assert request["properties"]["captcha_key"] == {
        "type": "string",
        "writeOnly": True,
        "minLength": 22,
        "maxLength": 22,
        "description": "The key of the challenge, as captcha/new/ returned it.",
    }
    assert request["properties"]["captcha_answer"]["writeOnly"] is True
    assert request["properties"]["captcha_answer"]["type"] == "string"
    assert request["properties"]["captcha_answer"]["description"] == "The characters in the picture of that challenge."
    assert set(components["Order"]["properties"]) == {"email"}  # write-only: never in a response


def test_the_schema_documents_captcha_new_and_the_picture(settings: Any) -> None:
    result = schema(settings)
    new = result["paths"]["/captcha/new/"]["get"]
    assert [p["name"] for p in new["parameters"]] == ["scope", "replaces", "inline", "scale"]
    assert set(new["responses"]) == {"200", "400", "429", "503"}
    challenge_schema = result["components"]["schemas"]["CaptchaChallenge"]
    assert set(challenge_schema["properties"]) == {"key", "image_url", "image", "expires_in"}
    assert set(result["paths"]["/captcha/{key}.png"]["get"]["responses"]) == {"200", "400", "410", "429", "503"}
    # Every $ref points at a schema the document defines.
    refs = {ref.rsplit("/", 1)[1] for ref in _refs(result)}
    assert refs <= set(result["components"]["schemas"])


def test_the_schema_is_valid_openapi(settings: Any) -> None:
    from drf_spectacular.validation import validate_schema

    validate_schema(schema(settings))


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [node["$ref"]] if "$ref" in node else [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _refs(value)]
    return []
