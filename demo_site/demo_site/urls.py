from __future__ import annotations

from django.contrib import admin
from django.urls import include, path, re_path

from demo import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_page, name="login"),
    path("signin/", views.signin_page, name="signin"),
    path("logout/", views.logout_page, name="logout"),
    path("comments/", views.comments, name="comments"),
    path("sms/", views.sms_page, name="sms"),
    path("api/sms/", views.sms_api, name="sms_api"),
    path("two/", views.two_captchas, name="two"),
    re_path(r"^two/(?P<bound>newsletter|feedback)/$", views.two_captchas, name="two_post"),
    path("ask/", views.ask, name="ask"),
    path("jinja2/", views.contact, name="contact"),
    path("captcha/", include("django_captcha_guard.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
