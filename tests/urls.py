from django.contrib import admin
from django.urls import include, path

from django_captcha_guard.decorators import require_captcha
from tests import views
from tests.admin_sites import custom_site

protected_patterns = (
    [
        path("plain/", views.plain, name="plain"),
        path("exempt/", views.exempt, name="exempt"),
        path("protected/", views.protected, name="protected"),
        path("body-length/", views.body_length, name="body-length"),
        path("login/", views.login, name="login"),
        path("custom-failure/", views.custom_failure, name="custom-failure"),
        path("custom-failure-path/", views.custom_failure_path, name="custom-failure-path"),
        path("async/", views.async_protected, name="async"),
        path("async-exempt/", views.async_exempt, name="async-exempt"),
        path("cbv/method/", views.OnMethod.as_view(), name="cbv-method"),
        path("cbv/class/", views.OnClass.as_view(), name="cbv-class"),
        path("cbv/as-view/", require_captcha(views.Plain.as_view()), name="cbv-as-view"),
        path("cbv/exempt/", views.ExemptClass.as_view(), name="cbv-exempt"),
        path("cbv/async/", views.AsyncOnMethod.as_view(), name="cbv-async"),
        path("cbv/async-class/", views.AsyncOnClass.as_view(), name="cbv-async-class"),
        path("cbv/async-as-view/", require_captcha(views.AsyncPlain.as_view()), name="cbv-async-as-view"),
        path("sms/", views.sms, name="sms"),
        path("api/plain/", views.api, name="api-plain"),
        path("api/protected/", views.protected_api, name="api-protected"),
        path("form/", views.comment, name="form"),
        path("drf/permission/", views.PermissionView.as_view(), name="drf-permission"),
        path("drf/permission-scoped/", views.ScopedPermissionView.as_view(), name="drf-permission-scoped"),
        path("drf/serializer/", views.SerializerView.as_view(), name="drf-serializer"),
        path("drf/serializer-scoped/", views.ScopedSerializerView.as_view(), name="drf-serializer-scoped"),
        path("drf/field/", views.FieldView.as_view(), name="drf-field"),
        path("drf/field-scoped/", views.ScopedFieldView.as_view(), name="drf-field-scoped"),
        path("drf/field-async/", views.AsyncFieldView.as_view(), name="drf-field-async"),
    ],
    "guarded",
)

urlpatterns = [
    path("captcha/", include("django_captcha_guard.urls")),
    path("guarded/", include(protected_patterns)),
    path("plain/", views.plain, name="plain"),
    path("page/", views.page, name="page"),
    path("admin/", admin.site.urls),
    path("custom-admin/", custom_site.urls),
]
