"""The admin's login page with a captcha: the default ``admin.site`` and a custom AdminSite."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import django.contrib.admin
import pytest
from django.contrib import admin
from django.contrib.auth import SESSION_KEY, get_user_model, user_login_failed
from django.test import Client

import django_captcha_guard
from django_captcha_guard.contrib.admin import LOGIN_TEMPLATE, CaptchaAdminAuthenticationForm, CaptchaAdminSite
from django_captcha_guard.core import MESSAGES, Reason
from django_captcha_guard.testing import solve
from tests.admin_sites import custom_site
from tests.test_templatetags import Tags

pytestmark = pytest.mark.usefixtures("memory_store")

SITES = {"default": "/admin/login/", "custom": "/custom-admin/login/"}
PASSWORD = "correct horse battery staple"


@pytest.fixture
def staff(db: None) -> Any:
    return get_user_model().objects.create_user("admin", password=PASSWORD, is_staff=True)


@pytest.fixture
def password_tries() -> Iterator[list[str]]:
    """Each ``user_login_failed``: Django sends it whenever authenticate() rejects a password."""
    tries: list[str] = []

    def record(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
        tries.append(credentials.get("username", ""))

    user_login_failed.connect(record)
    yield tries
    user_login_failed.disconnect(record)


def login_form(client: Client, url: str) -> dict[str, str]:
    page = client.get(url)
    assert page.status_code == 200
    tags = Tags(page.content.decode())
    key = tags.one("input", name="captcha_key")["value"]
    csrf = tags.one("input", name="csrfmiddlewaretoken")["value"]
    assert key and csrf
    return {"csrfmiddlewaretoken": csrf, "captcha_key": key, "next": "/admin/"}


def logged_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def test_the_default_site_is_the_captcha_site() -> None:
    assert isinstance(admin.site._wrapped, CaptchaAdminSite)  # type: ignore[attr-defined]
    assert admin.site.login_form is CaptchaAdminAuthenticationForm
    assert admin.site.login_template == custom_site.login_template == LOGIN_TEMPLATE


@pytest.mark.parametrize("url", SITES.values(), ids=SITES.keys())
def test_the_login_page_shows_the_widget_for_scope_admin(client: Client, url: str, db: None) -> None:
    html = client.get(url).content.decode()
    tags = Tags(html)
    assert tags.one("div", id="captcha-guard-1")["data-scope"] == "admin"
    form = html[html.index('<form action="' + url) : html.index("</form>")]
    assert 'name="captcha_answer"' in form and 'name="password"' in form
    assert form.index('name="password"') < form.index('name="captcha_answer"') < form.index('type="submit"')
    assert tags.one("link", href="/static/captcha_guard/admin.css")


@pytest.mark.parametrize("url", SITES.values(), ids=SITES.keys())
@pytest.mark.parametrize("password", [PASSWORD, "wrong password"])
def test_a_wrong_answer_is_an_admin_error_and_the_password_is_not_tried(
    client: Client, url: str, staff: Any, password_tries: list[str], password: str
) -> None:
    data = login_form(client, url)
    wrong = "A" if solve(data["captcha_key"])[0] != "A" else "C"
    response = client.post(url, {**data, "username": "admin", "password": password, "captcha_answer": wrong})
    assert response.status_code == 200
    tags = Tags(response.content.decode())
    assert [p for p in tags.all("p") if p.get("class") == "errornote"]
    assert "Please correct the error below." in tags.text
    errors = response.content.decode().split('class="form-row captcha-guard-row"')[1]
    assert re.search(r'<ul class="errorlist"[^>]*>\s*<li>' + re.escape(str(MESSAGES[Reason.WRONG])), errors)
    assert password_tries == []
    assert not logged_in(client)


@pytest.mark.parametrize("url", SITES.values(), ids=SITES.keys())
def test_no_captcha_at_all_is_refused_before_the_password_too(
    client: Client, url: str, staff: Any, password_tries: list[str]
) -> None:
    data = login_form(client, url)
    del data["captcha_key"]
    response = client.post(url, {**data, "username": "admin", "password": "guess"})
    assert str(MESSAGES[Reason.MISSING]) in response.content.decode()
    assert password_tries == []


@pytest.mark.parametrize("url", SITES.values(), ids=SITES.keys())
def test_a_right_answer_tries_the_password_once_and_logs_in_once(
    client: Client, url: str, staff: Any, password_tries: list[str]
) -> None:
    data = login_form(client, url)
    wrong_password = client.post(
        url, {**data, "username": "admin", "password": "guess", "captcha_answer": solve(data["captcha_key"])}
    )
    assert "Please enter the correct username and password" in wrong_password.content.decode()
    assert password_tries == ["admin"]  # the counter above can count

    data = login_form(client, url)
    posted = {**data, "username": "admin", "password": PASSWORD, "captcha_answer": solve(data["captcha_key"])}
    response = client.post(url, posted)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert logged_in(client)

    replay = Client()
    again = replay.post(url, posted)
    assert again.status_code == 200
    assert str(MESSAGES[Reason.EXPIRED]) in again.content.decode()
    assert not logged_in(replay)


def test_a_challenge_of_another_scope_does_not_open_the_admin(client: Client, staff: Any) -> None:
    data = login_form(client, SITES["default"])
    key = client.get("/captcha/new/?scope=login").json()["key"]
    posted = {**data, "captcha_key": key, "captcha_answer": solve(key), "username": "admin", "password": PASSWORD}
    response = client.post(SITES["default"], posted)
    assert str(MESSAGES[Reason.WRONG]) in response.content.decode()
    assert not logged_in(client)


def test_the_error_is_translated(client: Client, staff: Any) -> None:
    data = login_form(client, SITES["default"])
    posted = {**data, "username": "admin", "password": PASSWORD, "captcha_answer": "x"}
    response = client.post(SITES["default"], posted, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "图片验证码错误，请重新输入。" in response.content.decode()  # noqa: RUF001


def content_block(path: Path) -> list[str]:
    text = path.read_text()
    block = text[text.index("{% block content %}") : text.rindex("{% endblock %}")]
    return [line.rstrip() for line in block.splitlines()]


def test_the_login_template_is_djangos_own_plus_the_captcha_row() -> None:
    """Kept in sync with the installed Django: only the captcha row differs."""
    ours = content_block(Path(django_captcha_guard.__file__).parent / "templates" / LOGIN_TEMPLATE)
    djangos = content_block(Path(django.contrib.admin.__file__).parent / "templates" / "admin" / "login.html")
    row = [
        '  <div class="form-row captcha-guard-row">',
        "    {{ form.captcha.errors }}",
        "    {{ form.captcha }}",
        "  </div>",
    ]
    start = ours.index(row[0])
    assert ours[start : start + len(row)] == row
    assert ours[:start] + ours[start + len(row) :] == djangos
