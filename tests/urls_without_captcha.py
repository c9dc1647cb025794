from django.urls import path

from tests import views

urlpatterns = [path("plain/", views.plain, name="plain")]
