"""The test URLs with the async endpoints (django_captcha_guard.urls_async) under ``captcha/``."""

from django.urls import include, path

from tests.urls import urlpatterns as sync_urlpatterns

urlpatterns = [
    path("captcha/", include("django_captcha_guard.urls_async")),
    *(pattern for pattern in sync_urlpatterns if str(pattern.pattern) != "captcha/"),
]
