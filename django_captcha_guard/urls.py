"""``path("captcha/", include("django_captcha_guard.urls"))`` adds the endpoints.

The image pattern accepts any key-like text so that a malformed key gets a 400 from the
view (a clear answer) instead of a 404 from the resolver.
"""

from __future__ import annotations

from django.urls import path, re_path

from django_captcha_guard import views, views_audio

app_name = "captcha_guard"

urlpatterns = [
    path("new/", views.new_challenge, name="new"),
    re_path(r"^(?P<key>[^/]{1,64})\.wav$", views_audio.captcha_audio, name="audio"),
    re_path(r"^(?P<key>[^/]{1,64})\.(?P<extension>[a-z]{3,4})$", views.captcha_image, name="image"),
]
