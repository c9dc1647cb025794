"""CaptchaGuardMiddleware: PROTECTED_ROUTES matching, exemption, CSRF order, sync and async."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync, iscoroutinefunction
from django.http import HttpRequest, HttpResponse
from django.test import AsyncClient, Client, RequestFactory
from django.urls import resolve

from django_captcha_guard import core
from django_captcha_guard.middleware import CaptchaGuardMiddleware
from django_captcha_guard.signals import captcha_failed, captcha_passed
from django_captcha_guard.testing import solve
from tests.integration import MEMORY, alive, challenge, fields, wrong


def protect(settings: Any, *routes: object) -> None:
    settings.CAPTCHA_GUARD = {"STORE": MEMORY, "PROTECTED_ROUTES": list(routes)}


@pytest.mark.parametrize(
    ("route", "url"),
    [
        ("plain", "/plain/"),  # URL name
        ("guarded:api-plain", "/guarded/api/plain/"),  # namespaced URL name
        ("/guarded/plain/", "/guarded/plain/"),  # exact path
        ("/guarded/api/*", "/guarded/api/plain/"),  # path prefix
        ({"route": "guarded:plain"}, "/guarded/plain/"),
    ],
)
def test_listed_routes_are_protected(client: Client, settings: Any, route: object, url: str) -> None:
    protect(settings, route)
    key, answer = challenge()
    assert client.post(url, fields(key, wrong(answer))).status_code == 403
    assert client.post(url, {}).status_code == 403
    key, answer = challenge()
    assert client.post(url, fields(key, answer)).status_code == 200


@pytest.mark.parametrize(
    ("route", "url"),
    [
        ("plain", "/guarded/plain/"),  # the name "plain" inside a namespace is "guarded:plain"
        ("guarded:plain", "/plain/"),
        ("/guarded/plain", "/guarded/plain/"),  # exact means exact
        ("/guarded/api/", "/guarded/api/plain/"),  # no "*": not a prefix
        ("/guarded/api/*", "/guarded/plain/"),
    ],
)
def test_other_routes_are_left_alone(client: Client, settings: Any, route: object, url: str) -> None:
    protect(settings, route)
    assert client.post(url, {}).status_code == 200


@pytest.mark.parametrize("method", ["get", "head", "options", "trace"])
def test_safe_methods_never_consume(client: Client, settings: Any, method: str) -> None:
    protect(settings, "/plain/")
    key, answer = challenge()
    assert getattr(client, method)("/plain/", fields(key, answer)).status_code == 200
    assert alive(key)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_unsafe_methods_are_checked_by_default(client: Client, settings: Any, method: str) -> None:
    protect(settings, "plain")
    assert getattr(client, method)("/plain/").status_code == 403


@pytest.mark.parametrize("method", ["FOO", "QUERY", "PROPFIND", "PURGE", "SEARCH", "LINK"])
def test_extension_methods_are_checked_by_default(client: Client, settings: Any, method: str) -> None:
    protect(settings, "plain", "/guarded/*")
    assert client.generic(method, "/plain/").status_code == 403
    assert client.generic(method, "/guarded/exempt/").status_code == 200  # and exempt views stay exempt


def test_routes_may_name_extension_methods(client: Client, settings: Any) -> None:
    protect(settings, {"route": "/plain/", "methods": ["propfind"]})
    assert client.generic("PROPFIND", "/plain/").status_code == 403
    assert client.post("/plain/").status_code == 200


def test_methods_of_a_route(client: Client, settings: Any) -> None:
    protect(settings, {"route": "/plain/", "methods": ["put"]})
    assert client.post("/plain/").status_code == 200
    assert client.put("/plain/").status_code == 403


def test_scope_of_a_route(client: Client, settings: Any) -> None:
    protect(settings, {"route": "plain", "scope": "sms"})
    key, answer = challenge()
    assert client.post("/plain/", fields(key, answer)).status_code == 403
    key, answer = challenge("sms")
    assert client.post("/plain/", fields(key, answer)).status_code == 200


def test_a_request_checked_for_two_scopes_passes_each_only_with_its_own_challenge(
    client: Client, settings: Any
) -> None:
    """The middleware's result for scope "" once let @require_captcha(scope="sms") through."""
    protect(settings, "/guarded/sms/")  # scope ""; the view itself wants "sms"
    key, answer = challenge()
    assert client.post("/guarded/sms/", fields(key, answer)).status_code == 403
    key, answer = challenge("sms")
    assert client.post("/guarded/sms/", fields(key, answer)).status_code == 403
    protect(settings, {"route": "/guarded/sms/", "scope": "sms"})  # the two checks agree: one challenge, once
    key, answer = challenge("sms")
    assert client.post("/guarded/sms/", fields(key, answer)).content == b"ok"
    assert client.post("/guarded/sms/", fields(key, answer)).status_code == 403


@pytest.mark.parametrize("url", ["/guarded/exempt/", "/guarded/cbv/exempt/", "/guarded/async-exempt/"])
def test_exempt_views_are_skipped(client: Client, settings: Any, url: str) -> None:
    protect(settings, "/guarded/exempt/", "/guarded/cbv/*", "/guarded/async-exempt/")
    assert client.post(url).content == b"ok"


def test_the_captcha_urls_work_under_a_catch_all_route(client: Client, settings: Any) -> None:
    """A site that protects "/*" still issues and shows pictures: they are GETs, never checked."""
    protect(settings, "/*")
    issued = client.get("/captcha/new/")
    assert issued.status_code == 200
    assert client.get(issued.json()["image_url"]).status_code == 200
    assert client.post("/plain/").status_code == 403  # and the route does protect


@pytest.mark.parametrize("url", ["/guarded/protected/", "/guarded/async/", "/guarded/cbv/method/"])
def test_middleware_and_decorator_consume_one_challenge_once(client: Client, settings: Any, url: str) -> None:
    protect(settings, "/guarded/*")
    passed: list[dict[str, Any]] = []
    captcha_passed.connect(lambda **kwargs: passed.append(kwargs), weak=False, dispatch_uid="once")
    try:
        key, answer = challenge()
        assert client.post(url, fields(key, answer)).content == b"ok"
    finally:
        captcha_passed.disconnect(dispatch_uid="once")
    assert len(passed) == 1


@pytest.mark.django_db
def test_with_the_default_store_and_the_json_endpoint(client: Client, settings: Any) -> None:
    """The flow of an SPA: ask for a challenge, read the picture, post the answer, once."""
    settings.CAPTCHA_GUARD = {"PROTECTED_ROUTES": ["plain"]}
    issued = client.get("/captcha/new/").json()
    response = client.post("/plain/", fields(issued["key"], solve(issued["key"])))
    assert response.content == b"ok"
    assert client.post("/plain/", fields(issued["key"], solve(issued["key"]))).status_code == 403


def test_csrf_failure_comes_first_and_keeps_the_challenge(settings: Any) -> None:
    protect(settings, "plain")
    client = Client(enforce_csrf_checks=True)
    key, answer = challenge()
    response = client.post("/plain/", fields(key, answer))
    assert response.status_code == 403
    assert b"CSRF" in response.content
    assert alive(key)
    secret = "s" * 32  # Django accepts the unmasked cookie secret as the form token
    client.cookies["csrftoken"] = secret
    response = client.post("/plain/", {**fields(key, answer), "csrfmiddlewaretoken": secret})
    assert response.content == b"ok"


def test_async_mode_under_asgi(settings: Any) -> None:
    protect(settings, "plain")
    client = AsyncClient()
    key, answer = challenge()
    assert async_to_sync(client.post)("/plain/", fields(key, wrong(answer))).status_code == 403
    key, answer = challenge()
    assert async_to_sync(client.post)("/plain/", fields(key, answer)).content == b"ok"


def test_sync_and_async_capable() -> None:
    async def async_get_response(request: HttpRequest) -> HttpResponse:
        return HttpResponse("downstream")

    assert CaptchaGuardMiddleware.sync_capable and CaptchaGuardMiddleware.async_capable
    sync_middleware = CaptchaGuardMiddleware(lambda request: HttpResponse("downstream"))
    async_middleware = CaptchaGuardMiddleware(async_get_response)
    assert not iscoroutinefunction(sync_middleware)
    assert iscoroutinefunction(async_middleware)
    request = RequestFactory().post("/plain/")
    assert sync_middleware(request).content == b"downstream"
    assert async_to_sync(async_middleware)(request).content == b"downstream"


def test_process_view_around_a_stub(settings: Any) -> None:
    protect(settings, "plain")
    middleware = CaptchaGuardMiddleware(lambda request: HttpResponse())
    key, answer = challenge()
    request = RequestFactory().post("/plain/", fields(key, answer))
    request.resolver_match = resolve("/plain/")
    assert middleware.process_view(request, request.resolver_match.func, (), {}) is None
    # A second call on the same request reuses the result instead of failing on a spent key.
    assert middleware.process_view(request, request.resolver_match.func, (), {}) is None
    other = RequestFactory().post("/plain/", fields(key, answer))
    other.resolver_match = resolve("/plain/")
    response = middleware.process_view(other, other.resolver_match.func, (), {})
    assert response is not None and response.status_code == 403


def test_signals_carry_request_and_reason(client: Client, settings: Any) -> None:
    protect(settings, "plain")
    failed: list[dict[str, Any]] = []
    captcha_failed.connect(lambda **kwargs: failed.append(kwargs), weak=False, dispatch_uid="failed")
    try:
        key, answer = challenge()
        client.post("/plain/", fields(key, wrong(answer)))
        client.post("/plain/", fields(key, answer))
    finally:
        captcha_failed.disconnect(dispatch_uid="failed")
    assert [str(kwargs["reason"]) for kwargs in failed] == ["wrong", "expired"]
    assert all(kwargs["request"].path == "/plain/" for kwargs in failed)


def test_failure_log_names_reason_and_client_never_the_answer(
    client: Client, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    protect(settings, "plain")
    key, answer = challenge()
    bad = wrong(answer)
    with caplog.at_level("WARNING", logger="django_captcha_guard"):
        client.post("/plain/", fields(key, bad), REMOTE_ADDR="203.0.113.7")
    lines = [r.getMessage() for r in caplog.records if r.name == "django_captcha_guard"]
    assert len(lines) == 1
    assert "reason=wrong" in lines[0] and "203.0.113.7" in lines[0]
    assert answer not in caplog.text and bad not in caplog.text


def test_untrusted_text_in_the_failure_log_cannot_forge_a_line(settings: Any, caplog: pytest.LogCaptureFixture) -> None:
    """The path and a forwarded address are the client's; a newline in either once forged a log line."""
    settings.CAPTCHA_GUARD = {**settings.CAPTCHA_GUARD, "TRUSTED_PROXIES": 1}
    forged = "\nINFO Captcha passed: client=10.0.0.1"
    request = RequestFactory().post("/plain/", HTTP_X_FORWARDED_FOR="1.2.3.4\r\nX")
    request.path = "/plain/" + forged  # as a catch-all route would pass it on (the test client drops it)
    with caplog.at_level("WARNING", logger="django_captcha_guard"):
        core.verify(request, None, None)
    [line] = [r.getMessage() for r in caplog.records if r.name == "django_captcha_guard"]
    assert "\n" not in line and "\r" not in line
    assert "\\nINFO Captcha passed" in line  # escaped, still readable
