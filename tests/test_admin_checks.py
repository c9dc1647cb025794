"""E035-E036: an admin login that asks for a captcha it does not show, or that PROTECTED_ROUTES breaks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin.sites import all_sites
from django.core import checks
from django.urls import path

from django_captcha_guard.contrib.admin import CaptchaAdminAuthenticationForm, problems


class HalfDoneSite(admin.AdminSite):
    """The form without the template: the stock login page never shows the captcha."""

    login_form = CaptchaAdminAuthenticationForm


class OwnTemplateSite(admin.AdminSite):
    """The form with a template of the project's own that shows the field."""

    login_form = CaptchaAdminAuthenticationForm
    login_template = "admin_with_captcha.html"


class URLConf:
    """A URLconf object (Django takes any object with ``urlpatterns``) for sites made per test."""

    def __init__(self, sites: list[admin.AdminSite]) -> None:
        self.urlpatterns = [path(f"{site.name}/", site.urls) for site in [admin.site, *sites]]


@pytest.fixture(autouse=True)
def sites(settings: Any, tmp_path: Any) -> Iterator[None]:
    """Three more sites for one test, taken out of ``all_sites`` afterwards so no other test sees them."""
    made = [HalfDoneSite(name="half"), OwnTemplateSite(name="own"), admin.AdminSite(name="stock")]
    settings.ROOT_URLCONF = URLConf(made)
    (tmp_path / "admin_with_captcha.html").write_text('{% extends "admin/login.html" %}{{ form.captcha }}')
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    yield
    for site in made:
        all_sites.discard(site)


def ids(found: list[checks.CheckMessage]) -> list[tuple[str | None, str]]:
    return [(message.id, message.msg.split("'")[1]) for message in found]


def test_the_form_without_the_template_is_e035() -> None:
    assert ids(problems()) == [("captcha_guard.E035", "half")]
    assert "nobody can log in" in problems()[0].msg


@pytest.mark.parametrize("route", ["stock:login", "/stock/login/", "/st*"])
def test_protected_routes_on_a_login_without_the_captcha_is_e036(settings: Any, route: str) -> None:
    settings.CAPTCHA_GUARD = {"PROTECTED_ROUTES": [route]}
    found = [m for m in problems() if m.id == "captcha_guard.E036"]
    assert ids(found) == [("captcha_guard.E036", "PROTECTED_ROUTES")]
    assert "'stock'" in found[0].msg and "every login is refused" in found[0].msg


def test_protected_routes_with_another_scope_on_the_captcha_login_is_e036(settings: Any) -> None:
    settings.CAPTCHA_GUARD = {"PROTECTED_ROUTES": [{"route": "admin:login", "scope": "login"}]}
    (found,) = [m for m in problems() if m.id == "captcha_guard.E036"]
    assert "no login can pass both" in found.msg


def test_protected_routes_with_the_admin_scope_is_harmless(settings: Any) -> None:
    settings.CAPTCHA_GUARD = {"PROTECTED_ROUTES": [{"route": "admin:login", "scope": "admin"}]}
    assert [m for m in problems() if m.id == "captcha_guard.E036"] == []


def test_the_checks_run_with_django_check_framework() -> None:
    found = checks.run_checks(tags=["captcha_guard"])
    assert ("captcha_guard.E035", "half") in ids([m for m in found if m.id == "captcha_guard.E035"])
