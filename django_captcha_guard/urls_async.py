"""``path("captcha/", include("django_captcha_guard.urls_async"))``: the endpoints for ASGI servers.

The same app name, URL names and patterns as urls.py, so ``reverse("captcha_guard:new")``,
the widget and the template tag are unchanged; only ``captcha/new/`` and the picture are
async views (views_async.py). Use it under an ASGI server (uvicorn, granian, daphne);
under WSGI keep urls.py, since Django runs an async view there in an event loop of its
own for every request.
"""

from __future__ import annotations

from django.urls import path, re_path

from django_captcha_guard import views_async, views_audio

app_name = "captcha_guard"

urlpatterns = [
    path("new/", views_async.new_challenge, name="new"),
    re_path(r"^(?P<key>[^/]{1,64})\.wav$", views_audio.captcha_audio, name="audio"),
    re_path(r"^(?P<key>[^/]{1,64})\.(?P<extension>[a-z]{3,4})$", views_async.captcha_image, name="image"),
]
