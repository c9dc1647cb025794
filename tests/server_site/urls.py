"""URLs of the test site; the tests use these paths as they stand."""

from __future__ import annotations

import os

from django.urls import include, path

from tests.server_site import views

# SITE_ASYNC_URLS=1: the async endpoints, as a site under an ASGI server would include them.
CAPTCHA_URLS = "django_captcha_guard.urls" + ("_async" if os.environ.get("SITE_ASYNC_URLS") == "1" else "")

urlpatterns = [
    path("", views.page),
    path("up/", views.up),
    path(
        "captcha/", include(f"django_captcha_guard.urls{'_async' if os.environ.get('SITE_ASYNC_URLS') == '1' else ''}")
    ),
    path("protected/", views.protected),
    path("route/", views.route),
    path("form/", views.form),
    path("api/permission/", views.Permission.as_view()),
    path("api/serializer/", views.Serializer.as_view()),
    path("act/502/", views.act_then_502),
    path("act/raise/", views.act_then_raise),
    path("act/write-first/raise/", views.write_check_act_then_raise),
    path("route/act/raise/", views.route_act_then_raise),
    path("cost/login/", views.login),
    path("cost/sms/", views.sms),
    *(path(f"views/{name}/", view) for name, view in views.CLASS_BASED.items()),
]
