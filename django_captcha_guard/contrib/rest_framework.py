"""Django REST framework support: a permission class and a serializer mixin.

Both check through :func:`core.verify_once`, like the middleware and the decorator, so a
request is checked once whichever of them meet it. Import this module only when DRF is
installed (``pip install django-captcha-guard[drf]``); nothing else in the package needs it.

- :class:`CaptchaRequired` (a permission) refuses unsafe requests without a solved
  challenge, with status 400 and the JSON shape of the failure view:
  ``{"code": 400, "errmsg": "...", "reason": "wrong"}`` (503 when the store is down).
- :class:`CaptchaSerializerMixin` adds the key and answer fields to a serializer and
  reports a failure as a validation error on the answer field, in DRF's usual shape.
- :class:`JSONParser` is DRF's, except that deeply nested JSON is a 400: DRF's own lets
  ``RecursionError`` escape from ``request.data`` as a 500. The permission handles that
  itself; a view that reads ``request.data`` before its serializer runs needs this parser.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from rest_framework import exceptions, parsers, permissions, serializers  # type: ignore[import-untyped]

from django_captcha_guard.conf import get_settings
from django_captcha_guard.core import Reason, Result, verify_once
from django_captcha_guard.responses import status_for
from django_captcha_guard.submission import from_mapping


class JSONParser(parsers.JSONParser):  # type: ignore[misc]
    """DRF's JSONParser, with nesting too deep for Python's decoder answered as a parse error (400)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - nested too deeply") from None


class CaptchaFailed(exceptions.APIException):  # type: ignore[misc]
    """Raised by :class:`CaptchaRequired`; DRF renders ``detail`` as the response body."""

    status_code = 400
    default_code = "captcha_failed"

    def __init__(self, reason: Reason) -> None:
        super().__init__(code=reason.value)
        self.status_code = status_for(reason)
        # Set after __init__, which would turn the int code into a string ErrorDetail.
        self.detail = {"code": self.status_code, "errmsg": Result(reason).message, "reason": reason.value}


class CaptchaRequired(permissions.BasePermission):  # type: ignore[misc]
    """Require a solved challenge on POST, PUT, PATCH and DELETE; safe methods never consume.

    The view's ``captcha_scope`` attribute, if any, is the scope the challenge must have.
    """

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        try:
            data = request.data
        except RecursionError:
            # DRF's JSONParser lets this escape for deeply nested JSON: a 400, not a 500.
            raise exceptions.ParseError() from None
        key, answer = from_mapping(data)
        result = verify_once(_http_request(request), key, answer, getattr(view, "captcha_scope", ""))
        if not result.ok:
            raise CaptchaFailed(result.reason)
        return True


class CaptchaSerializerMixin:
    """Adds write-only ``KEY_FIELD`` and ``ANSWER_FIELD`` to a serializer and checks them.

    Needs the request in the serializer context (generic views pass it). The challenge is
    checked before the other fields, so it is spent on every submission, as a form's is.
    Set ``captcha_scope`` on the serializer class to require a scoped challenge.
    """

    captcha_scope = ""

    def get_fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = super().get_fields()  # type: ignore[misc]
        config = get_settings()
        for name in (config["KEY_FIELD"], config["ANSWER_FIELD"]):
            # Declared for schemas and the browsable API; the values are read from the raw
            # data by from_mapping, which treats a repeated field as malformed.
            fields[name] = serializers.CharField(
                write_only=True, required=False, allow_blank=True, allow_null=True, trim_whitespace=False
            )
        return fields

    def to_internal_value(self, data: Any) -> Any:
        context: dict[str, Any] = getattr(self, "context", {})
        request = context.get("request")
        if request is None:
            raise ImproperlyConfigured(
                f"{type(self).__name__} checks a captcha and needs the request: pass context={{'request': request}}."
            )
        config = get_settings()
        key, answer = from_mapping(data)
        result = verify_once(_http_request(request), key, answer, self.captcha_scope)
        if result.reason is Reason.UNAVAILABLE:
            raise CaptchaFailed(result.reason)  # 503, as the permission answers: not the client's mistake
        if not result.ok:
            raise exceptions.ValidationError({config["ANSWER_FIELD"]: [result.message]}, code=result.reason.value)
        attrs = super().to_internal_value(data)  # type: ignore[misc]
        for name in (config["KEY_FIELD"], config["ANSWER_FIELD"]):
            attrs.pop(name, None)
        return attrs


def _http_request(request: Any) -> HttpRequest:
    """The Django request under a DRF ``Request``: the once-per-request mark lives there."""
    return getattr(request, "_request", request)  # type: ignore[no-any-return]
