"""The default failure view: 403 page for forms, 400 JSON for scripts, HTMX fragment, 503 when down."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.utils import translation

from django_captcha_guard import core
from django_captcha_guard.core import Reason
from django_captcha_guard.failure import captcha_failure
from django_captcha_guard.responses import wants_json
from tests.integration import challenge, fields, wrong
from tests.outage import DOWN

pytestmark = pytest.mark.usefixtures("memory_store")

URL = "/guarded/protected/"


def test_form_post_gets_a_403_page_with_the_reason_and_a_way_back(client: Client) -> None:
    key, answer = challenge()
    response = client.post(URL, fields(key, wrong(answer)), HTTP_ACCEPT="text/html,*/*;q=0.8")
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "<title>Captcha check failed</title>" in page
    assert 'role="alert" data-captcha-guard-reason="wrong">The captcha answer is wrong. Please try again.</div>' in page
    assert f'<a href="{URL}">' in page


def test_the_way_back_is_the_referring_page_only_on_this_site(client: Client) -> None:
    page = client.post(URL, {}, HTTP_REFERER="http://testserver/signup/?next=/").content.decode()
    assert '<a href="http://testserver/signup/?next=/">' in page
    page = client.post(URL, {}, HTTP_REFERER="https://evil.example/").content.decode()
    assert "evil.example" not in page


@pytest.mark.parametrize(
    "headers",
    [
        {"content_type": "application/json"},
        {"content_type": "application/vnd.api+json"},
        {"HTTP_ACCEPT": "application/json"},
        {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"},
        {"HTTP_SEC_FETCH_MODE": "cors"},
        {"HTTP_SEC_FETCH_MODE": "same-origin"},
    ],
)
def test_scripts_get_400_json(client: Client, headers: dict[str, str]) -> None:
    key, answer = challenge()
    data: Any = fields(key, wrong(answer))
    if "json" in headers.get("content_type", ""):
        data = json.dumps(data)
    response = client.post(URL, data, **headers)
    assert response.status_code == 400
    assert response.json() == {
        "code": 400,
        "errmsg": "The captcha answer is wrong. Please try again.",
        "reason": "wrong",
    }


@pytest.mark.parametrize(
    "headers",
    [{}, {"HTTP_SEC_FETCH_MODE": "navigate"}, {"HTTP_ACCEPT": "*/*"}, {"HTTP_ACCEPT": "text/html, application/json"}],
)
def test_browsers_get_html(headers: dict[str, str]) -> None:
    assert not wants_json(RequestFactory().post(URL, **headers))


def test_messages_distinguish_missing_expired_and_wrong(client: Client) -> None:
    key, answer = challenge()
    reasons = {}
    for data in ({}, fields(key, wrong(answer)), fields(key, answer)):
        body = client.post(URL, data, HTTP_ACCEPT="application/json").json()
        reasons[body["reason"]] = body["errmsg"]
    assert list(reasons) == ["missing", "wrong", "expired"]
    assert len(set(reasons.values())) == 3


def test_htmx_gets_a_fragment_and_an_event(client: Client) -> None:
    response = client.post(URL, {}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert response.content.decode().strip() == (
        '<div class="captcha-guard-error" role="alert" data-captcha-guard-reason="missing">'
        "Please enter the characters shown in the picture.</div>"
    )
    assert json.loads(response["HX-Trigger"]) == {
        "captchaFailed": {"reason": "missing", "message": "Please enter the characters shown in the picture."}
    }


@pytest.mark.parametrize(("accept", "content_type"), [("application/json", "application/json"), ("text/html", "text")])
def test_an_unavailable_store_fails_closed_with_503(
    client: Client, settings: Any, accept: str, content_type: str
) -> None:
    settings.CAPTCHA_GUARD = {"STORE": DOWN}
    response = client.post(URL, fields(core.new_key(), "ABCDE"), HTTP_ACCEPT=accept)
    assert response.status_code == 503
    assert response["Content-Type"].startswith(content_type)
    assert "The captcha service is temporarily unavailable." in response.content.decode()


def test_htmx_unavailable_is_503() -> None:
    request = RequestFactory().post(URL, HTTP_HX_REQUEST="true")
    assert captcha_failure(request, Reason.UNAVAILABLE).status_code == 503


def test_reason_may_be_given_as_text() -> None:
    response = captcha_failure(RequestFactory().post(URL, HTTP_ACCEPT="application/json"), "expired")
    assert json.loads(response.content)["reason"] == "expired"


@pytest.mark.parametrize("reason", [r for r in Reason if r is not Reason.OK])
def test_messages_follow_the_active_language(reason: Reason) -> None:
    request = RequestFactory().post(URL, HTTP_ACCEPT="application/json")
    english = json.loads(captcha_failure(request, reason).content)["errmsg"]
    with translation.override("zh-hans"):
        chinese = json.loads(captcha_failure(request, reason).content)["errmsg"]
    assert chinese != english
    assert not chinese.isascii()
    with translation.override("zh-hans"):
        assert chinese in captcha_failure(request, reason).content.decode()  # UTF-8, not \u escapes


def test_the_page_is_translated(client: Client) -> None:
    page = client.post(URL, {}, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '<html lang="zh-hans">' in page
    assert "Captcha check failed" not in page
    assert "Please enter the characters" not in page
