"""DRF support: CaptchaRequired permission and CaptchaSerializerMixin, driven with APIClient."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from rest_framework.test import APIClient

from django_captcha_guard.core import new_key
from django_captcha_guard.signals import captcha_passed
from tests.integration import MEMORY, alive, challenge, fields, wrong
from tests.outage import DOWN
from tests.views import SignupSerializer

pytestmark = pytest.mark.usefixtures("memory_store")

PERMISSION = "/guarded/drf/permission/"
SERIALIZER = "/guarded/drf/serializer/"


@pytest.mark.parametrize("format", ["json", "multipart"])
def test_permission_lets_a_solved_request_through(api: APIClient, format: str) -> None:
    key, answer = challenge()
    response = api.post(PERMISSION, {**fields(key, answer), "note": "hi"}, format=format)
    assert response.status_code == 200
    assert response.json() == {"ok": True, "echo": "hi"}
    assert not alive(key)


@pytest.mark.parametrize(
    ("data", "reason"),
    [({}, "missing"), ({"captcha_key": "nope", "captcha_answer": "x"}, "malformed"), (None, "wrong")],
)
def test_permission_failure_has_the_json_error_shape(api: APIClient, data: Any, reason: str) -> None:
    if data is None:
        key, answer = challenge()
        data = fields(key, wrong(answer))
    response = api.post(PERMISSION, data, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 400 and body["reason"] == reason
    assert isinstance(body["errmsg"], str) and body["errmsg"]


def test_permission_skips_safe_methods(api: APIClient) -> None:
    assert api.get(PERMISSION).status_code == 200


def test_permission_scope(api: APIClient) -> None:
    key, answer = challenge()
    assert api.post("/guarded/drf/permission-scoped/", fields(key, answer), format="json").status_code == 400
    key, answer = challenge("sms")
    assert api.post("/guarded/drf/permission-scoped/", fields(key, answer), format="json").status_code == 200


def test_permission_unavailable_store_is_503(api: APIClient, settings: Any) -> None:
    settings.CAPTCHA_GUARD = {"STORE": DOWN}
    response = api.post(PERMISSION, fields(new_key(), "ABCDE"), format="json")
    assert response.status_code == 503
    assert response.json()["code"] == 503


def test_malformed_json_is_a_4xx(api: APIClient) -> None:
    response = api.post(PERMISSION, b"{not json", content_type="application/json")
    assert response.status_code == 400


@pytest.mark.parametrize("format", ["json", "multipart"])
def test_serializer_accepts_a_solved_challenge_and_drops_the_fields(api: APIClient, format: str) -> None:
    key, answer = challenge()
    response = api.post(SERIALIZER, {"email": "ann@example.com", **fields(key, answer)}, format=format)
    assert response.status_code == 201
    assert response.json() == {"email": "ann@example.com"}


def test_serializer_failure_is_a_field_error(api: APIClient) -> None:
    key, answer = challenge()
    response = api.post(SERIALIZER, {"email": "ann@example.com", **fields(key, wrong(answer))}, format="json")
    assert response.status_code == 400
    assert response.json() == {"captcha_answer": ["The captcha answer is wrong. Please try again."]}


def test_serializer_spends_the_challenge_even_when_other_fields_fail(api: APIClient) -> None:
    key, answer = challenge()
    response = api.post(SERIALIZER, {"email": "not-an-email", **fields(key, answer)}, format="json")
    assert response.status_code == 400
    assert "email" in response.json()
    assert not alive(key)


def test_serializer_scope(api: APIClient) -> None:
    key, answer = challenge()
    data = {"email": "ann@example.com", **fields(key, answer)}
    assert api.post("/guarded/drf/serializer-scoped/", data, format="json").status_code == 400
    key, answer = challenge("signup")
    data = {"email": "ann@example.com", **fields(key, answer)}
    assert api.post("/guarded/drf/serializer-scoped/", data, format="json").status_code == 201


def test_serializer_needs_the_request() -> None:
    with pytest.raises(ImproperlyConfigured, match="needs the request"):
        SignupSerializer(data={"email": "ann@example.com"}).is_valid()


@pytest.mark.parametrize("format", ["json", "multipart"])
def test_middleware_and_permission_check_once(api: APIClient, settings: Any, format: str) -> None:
    settings.CAPTCHA_GUARD = {"STORE": MEMORY, "PROTECTED_ROUTES": ["/guarded/drf/*"]}
    passed: list[object] = []
    captcha_passed.connect(lambda **kwargs: passed.append(kwargs), weak=False, dispatch_uid="drf-once")
    try:
        key, answer = challenge()
        # The middleware reads the body first; DRF must still parse it afterwards.
        response = api.post(PERMISSION, {**fields(key, answer), "note": "hi"}, format=format)
    finally:
        captcha_passed.disconnect(dispatch_uid="drf-once")
    assert response.status_code == 200
    assert response.json()["echo"] == "hi"
    assert len(passed) == 1


def test_the_package_imports_without_drf() -> None:
    """Only the contrib module needs DRF: block it and import everything else."""
    code = (
        "import sys; sys.modules['rest_framework'] = None\n"
        "import django; from django.conf import settings\n"
        "settings.configure(INSTALLED_APPS=['django_captcha_guard'], SECRET_KEY='x')\n"
        "django.setup()\n"
        "import django_captcha_guard.decorators, django_captcha_guard.middleware, django_captcha_guard.failure\n"
        "import django_captcha_guard.forms, django_captcha_guard.views\n"
        "print(json.dumps('ok'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", "import json\n" + code], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == "ok"
