"""@require_captcha and @captcha_exempt on function, class-based and async views."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from asgiref.sync import async_to_sync, iscoroutinefunction
from django.http import HttpRequest, HttpResponse
from django.test import AsyncClient, Client, RequestFactory
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from django_captcha_guard.decorators import captcha_exempt, require_captcha
from tests import views
from tests.integration import MEMORY, alive, challenge, fields, wrong

pytestmark = pytest.mark.usefixtures("memory_store")

PROTECTED = [
    "/guarded/protected/",
    "/guarded/async/",
    "/guarded/cbv/method/",
    "/guarded/cbv/class/",
    "/guarded/cbv/as-view/",
    "/guarded/cbv/async/",
    "/guarded/cbv/async-class/",
    "/guarded/cbv/async-as-view/",
    "/guarded/api/protected/",
]
SCOPED = {"/guarded/cbv/class/": "login"}  # method_decorator(require_captcha(scope="login"), name="dispatch")
# Methods that are neither safe nor among the four common ones: Django's CSRF checks them, so must we.
EXTENSION_METHODS = ["FOO", "QUERY", "PROPFIND", "PURGE", "SEARCH", "LINK"]


@pytest.mark.parametrize("url", PROTECTED)
def test_right_answer_reaches_the_view(client: Client, url: str) -> None:
    key, answer = challenge(SCOPED.get(url, ""))
    response = client.post(url, fields(key, answer))
    assert response.status_code == 200
    assert not alive(key)


@pytest.mark.parametrize("url", PROTECTED)
def test_wrong_answer_is_refused_and_spends_the_challenge(client: Client, url: str) -> None:
    key, answer = challenge(SCOPED.get(url, ""))
    response = client.post(url, fields(key, wrong(answer)))
    assert response.status_code == 403
    assert "The captcha answer is wrong." in response.content.decode()
    assert client.post(url, fields(key, answer)).status_code == 403  # one guess per picture


@pytest.mark.parametrize("url", PROTECTED)
def test_missing_fields_are_refused(client: Client, url: str) -> None:
    response = client.post(url, {})
    assert response.status_code == 403
    assert "Please enter the characters shown in the picture." in response.content.decode()


@pytest.mark.parametrize("method", ["get", "head", "options"])
@pytest.mark.parametrize("url", PROTECTED)
def test_safe_methods_pass_and_never_consume(client: Client, url: str, method: str) -> None:
    key, answer = challenge()
    response = getattr(client, method)(url, fields(key, answer))
    assert response.status_code in (200, 405)  # the CBVs answer only POST
    assert alive(key)


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_other_unsafe_methods_are_checked(client: Client, method: str) -> None:
    response = getattr(client, method)("/guarded/protected/")
    assert response.status_code == 403


@pytest.mark.parametrize("method", EXTENSION_METHODS)
@pytest.mark.parametrize("url", ["/guarded/protected/", "/guarded/async/", "/guarded/cbv/class/"])
def test_every_method_but_the_safe_ones_is_checked(client: Client, url: str, method: str) -> None:
    """A view that acts on any non-GET request used to run for these with no captcha."""
    assert client.generic(method, url).status_code == 403


def test_methods_may_name_extension_methods(client: Client) -> None:
    view = require_captcha(methods=["PROPFIND"])(views.ok)
    assert view(RequestFactory().generic("PROPFIND", "/")).status_code == 403
    assert view(RequestFactory().post("/")).status_code == 200


def test_methods_narrows_the_check(client: Client) -> None:
    assert client.put("/guarded/login/").status_code == 200  # methods=["POST"]
    assert client.post("/guarded/login/").status_code == 403


@pytest.mark.parametrize("url", ["/guarded/login/", "/guarded/cbv/class/"])
def test_scope_binds_the_challenge(client: Client, url: str) -> None:
    key, answer = challenge()  # issued without a scope
    assert client.post(url, fields(key, answer)).status_code == 403
    key, answer = challenge("login")
    assert client.post(url, fields(key, answer)).status_code == 200


def test_a_scoped_challenge_is_refused_elsewhere(client: Client) -> None:
    key, answer = challenge("login")
    assert client.post("/guarded/protected/", fields(key, answer)).status_code == 403


@pytest.mark.parametrize("url", ["/guarded/custom-failure/", "/guarded/custom-failure-path/"])
def test_on_failure_replaces_the_failure_view(client: Client, url: str) -> None:
    response = client.post(url, {})
    assert response.status_code == 418
    assert response.content == b"custom failure: missing"


def test_failure_view_setting_is_used(client: Client, settings: object) -> None:
    settings.CAPTCHA_GUARD = {"STORE": MEMORY, "FAILURE_VIEW": "tests.views.teapot"}  # type: ignore[attr-defined]
    assert client.post("/guarded/protected/", {}).status_code == 418


@pytest.mark.parametrize("url", PROTECTED)
def test_every_view_form_under_asgi(url: str) -> None:
    """Under ASGI, method_decorator(..., name="dispatch") on a view with async def post was a 500."""
    client = AsyncClient()
    assert async_to_sync(client.post)(url, {}).status_code == 403
    key, answer = challenge(SCOPED.get(url, ""))
    assert async_to_sync(client.post)(url, fields(key, wrong(answer))).status_code == 403
    key, answer = challenge(SCOPED.get(url, ""))
    assert async_to_sync(client.post)(url, fields(key, answer)).status_code == 200
    assert async_to_sync(client.post)(url, fields(key, answer)).status_code == 403


def test_async_failure_view_is_awaited() -> None:
    async def failure(request: HttpRequest, reason: object) -> HttpResponse:
        return HttpResponse("async failure", status=409)

    @require_captcha(on_failure=failure)
    async def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok")

    response = async_to_sync(view)(RequestFactory().post("/"))
    assert response.status_code == 409


def test_decorated_views_keep_their_kind_and_name() -> None:
    assert iscoroutinefunction(views.async_protected)
    assert not iscoroutinefunction(views.protected)
    assert views.async_protected.__name__ == "async_protected"
    assert iscoroutinefunction(views.async_exempt)
    assert views.async_exempt.captcha_exempt is True
    assert views.exempt.captcha_exempt is True  # type: ignore[attr-defined]
    assert views.ExemptClass.as_view().captcha_exempt is True  # type: ignore[attr-defined]


def test_exempt_does_not_change_the_response(client: Client) -> None:
    assert client.post("/guarded/exempt/").content == b"ok"
    assert captcha_exempt(views.ok)(RequestFactory().get("/")).content == b"ok"


@pytest.mark.parametrize("methods", [["GET"], ["POST", "HEAD"], "POST", []])
def test_safe_or_malformed_methods_are_refused(methods: object) -> None:
    with pytest.raises(ValueError, match="require_captcha"):
        require_captcha(methods=methods)  # type: ignore[arg-type]


def test_exempt_only_concerns_the_middleware() -> None:
    view = require_captcha(captcha_exempt(views.ok))
    assert view(RequestFactory().post("/")).status_code == 403


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
@pytest.mark.parametrize("body", ["form", "multipart", "json"])
def test_every_body_a_client_sends_with_put_patch_or_delete_is_read(client: Client, method: str, body: str) -> None:
    """Django parses form bodies for POST only; an SPA's FormData PUT must not fail as "missing"."""
    key, answer = challenge()
    if body == "form":
        data, content_type = urlencode(fields(key, answer)), "application/x-www-form-urlencoded"
    elif body == "multipart":
        data, content_type = encode_multipart(BOUNDARY, {**fields(key, answer), "note": "hi"}), MULTIPART_CONTENT
    else:
        data, content_type = json.dumps(fields(key, answer)), "application/json"
    response = getattr(client, method)("/guarded/body-length/", data, content_type=content_type)
    assert response.status_code == 200
    assert not alive(key)
    # The view still gets the body: reading the captcha did not consume it.
    assert response["X-Body-Length"] == str(len(data))


def test_a_multipart_put_over_the_upload_limit_is_refused_not_an_error(client: Client, settings: object) -> None:
    """Such a body is read into memory, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE bounds it."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000  # type: ignore[attr-defined]
    key, answer = challenge()
    data = encode_multipart(BOUNDARY, {**fields(key, answer), "note": "x" * 2_000})
    response = client.put("/guarded/body-length/", data, content_type=MULTIPART_CONTENT)
    assert response.status_code == 403
    assert "The captcha data is invalid." in response.content.decode()
    assert "X-Body-Length" not in response
