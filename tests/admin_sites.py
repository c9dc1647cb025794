"""A custom AdminSite with the captcha mixin, next to the default ``admin.site`` in tests/urls.py."""

from __future__ import annotations

from django.contrib import admin

from django_captcha_guard.contrib.admin import CaptchaAdminSiteMixin


class CustomSite(CaptchaAdminSiteMixin, admin.AdminSite):
    site_header = "Custom administration"


custom_site = CustomSite(name="custom")
