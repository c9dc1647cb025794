"""A captcha on the admin's login page, checked before the password is.

Two ways in, one behaviour:

- the default ``admin.site``: put ``"django_captcha_guard.apps.CaptchaAdminConfig"`` in
  ``INSTALLED_APPS`` instead of ``"django.contrib.admin"``. That is Django's own way of
  replacing the default site (``AdminConfig.default_site``), so every
  ``admin.site.register(...)`` and ``admin.site.urls`` goes on working;
- a custom ``AdminSite``: add :class:`CaptchaAdminSiteMixin` before ``AdminSite``.

Either gives the site :class:`CaptchaAdminAuthenticationForm` (a ``CaptchaField`` with
scope ``"admin"``) and a login template that extends the admin's own and shows the field.
A wrong answer is a field error under the admin's "Please correct the error below." note,
and Django's ``authenticate()`` is not called: neither the password hashers nor
``user_login_failed`` ever see a submission whose captcha failed, so guessing passwords
costs a solved picture each. The system checks (E035, E036) report a half-done setup.
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.sites import all_sites
from django.contrib.auth.forms import AuthenticationForm
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import NoReverseMatch, reverse

from django_captcha_guard.forms import CaptchaField
from django_captcha_guard.routes import Protection, protection_for

__all__ = ["LOGIN_TEMPLATE", "SCOPE", "CaptchaAdminAuthenticationForm", "CaptchaAdminSite", "CaptchaAdminSiteMixin"]

SCOPE = "admin"
LOGIN_TEMPLATE = "captcha_guard/admin/login.html"


class CaptchaAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's login form with a ``CaptchaField(scope="admin")``, checked first."""

    captcha = CaptchaField(scope=SCOPE)

    def clean(self) -> dict[str, Any]:
        # Fields are cleaned before clean(), so the challenge is already spent and judged;
        # AuthenticationForm.clean() is where the password would be tried.
        if self.has_error("captcha"):
            return self.cleaned_data
        return super().clean()


class CaptchaAdminSiteMixin:
    """For a custom site: ``class MySite(CaptchaAdminSiteMixin, admin.AdminSite)``.

    A site that sets its own ``login_template`` must show ``{{ form.captcha }}`` in it
    (extending ``captcha_guard/admin/login.html`` does).
    """

    login_form: type[AuthenticationForm] | None = CaptchaAdminAuthenticationForm
    login_template: str | None = LOGIN_TEMPLATE


class CaptchaAdminSite(CaptchaAdminSiteMixin, AdminSite):
    """The default site's class under ``CaptchaAdminConfig``."""


def problems() -> list[checks.CheckMessage]:
    """A login form that checks a captcha its page never shows, or PROTECTED_ROUTES on an admin login."""
    found: list[checks.CheckMessage] = []
    for site in sorted(all_sites, key=lambda site: site.name):
        checked = _checks_captcha(site)
        if checked and not _shows_captcha(site.login_template or "admin/login.html"):
            found.append(
                checks.Error(
                    f"Admin site {site.name!r} checks a captcha on login, but its login template "
                    f"{site.login_template or 'admin/login.html'!r} does not show one: nobody can log in.",
                    hint=f"Use login_template = {LOGIN_TEMPLATE!r}, or extend it, or add {{{{ form.captcha }}}}.",
                    id="captcha_guard.E035",
                )
            )
        protection = _route_protection(site)
        if protection is not None and (not checked or protection.scope != SCOPE):
            why = (
                "its login page shows no captcha, so every login is refused"
                if not checked
                else f"the login form checks scope {SCOPE!r} and the route scope {protection.scope!r}, "
                "so no login can pass both"
            )
            found.append(
                checks.Error(
                    f"CAPTCHA_GUARD['PROTECTED_ROUTES'] covers the login of admin site {site.name!r}, but {why}.",
                    hint="Remove the admin login from PROTECTED_ROUTES and use "
                    "'django_captcha_guard.apps.CaptchaAdminConfig' (default site) or CaptchaAdminSiteMixin.",
                    id="captcha_guard.E036",
                )
            )
    return found


def _checks_captcha(site: AdminSite) -> bool:
    form = site.login_form
    return form is not None and any(isinstance(field, CaptchaField) for field in form.base_fields.values())


def _shows_captcha(template_name: str) -> bool:
    """Whether the template is ours, or mentions the captcha (extends ours, or shows the field)."""
    if template_name == LOGIN_TEMPLATE:
        return True
    try:
        template = get_template(template_name)
    except TemplateDoesNotExist:
        return False
    source = getattr(getattr(template, "template", None), "source", "")
    return "captcha" in source


def _route_protection(site: AdminSite) -> Protection | None:
    try:
        path = reverse(f"{site.name}:login")
        return protection_for(path, f"{site.name}:login")
    except NoReverseMatch:
        return None
    except ImproperlyConfigured:
        # Broken settings are the settings checks' to report (E001-E019), with every mistake.
        return None
