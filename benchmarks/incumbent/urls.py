"""django-simple-captcha's own URLs: ``captcha/image/<key>/`` and ``captcha/refresh/``."""

from django.urls import include, path

urlpatterns = [path("captcha/", include("captcha.urls"))]
