from django.urls import include, path

urlpatterns = [path("captcha/", include("django_captcha_guard.urls"))]
