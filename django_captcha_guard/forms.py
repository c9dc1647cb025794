"""``CaptchaField`` for ``forms.Form`` and ``ModelForm``.

The field renders the same widget as ``{% captcha %}`` and posts the same two fields
(``KEY_FIELD`` and ``ANSWER_FIELD``, not prefixed by the form), so a form checked by
the field and a view protected by the middleware or ``@require_captcha`` read one
submission the same way, and the request is checked once (``core.verify_once``).

Issuing and checking need the request (the default store lives in the session), so the
field takes it from the form's ``request`` attribute: forms such as ``AuthenticationForm``
already keep one, and :class:`CaptchaFormMixin` adds a ``request=`` keyword to any other.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.forms.boundfield import BoundField
from django.forms.renderers import BaseRenderer
from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from django_captcha_guard import progressive
from django_captcha_guard.core import Result, verify_once
from django_captcha_guard.submission import from_mapping
from django_captcha_guard.widget import TEMPLATE_NAME, page_nonce, render_widget

__all__ = ["CaptchaField", "CaptchaFormMixin", "CaptchaWidget"]

# Attributes Django's form machinery sets on a widget that belong on the answer input.
_ANSWER_ATTRS = ("aria-invalid",)


class CaptchaWidget(forms.Widget):
    """Renders ``captcha_guard/widget.html`` with a new challenge; reads key and answer back.

    ``use_fieldset`` makes Django's form templates wrap the picture, the refresh button and
    the answer in a ``<fieldset>`` whose ``<legend>`` is the field's label; the answer
    input keeps its own ``<label>`` inside the widget.
    """

    use_fieldset = True

    def __init__(self, attrs: dict[str, Any] | None = None, *, scope: str = "", template_name: str = TEMPLATE_NAME):
        super().__init__(attrs)
        self.scope = scope
        self.template_name = template_name
        self.form: forms.BaseForm | None = None

    @property
    def is_hidden(self) -> bool:
        """True while a ``PROGRESSIVE`` scope needs no captcha: forms then show no label or fieldset."""
        request = getattr(self.form, "request", None)
        return isinstance(request, HttpRequest) and not progressive.widget_needed(request, self.scope)

    @property
    def request(self) -> HttpRequest:
        request = getattr(self.form, "request", None)
        if not isinstance(request, HttpRequest):
            form_name = type(self.form).__name__ if self.form is not None else "the form"
            raise ImproperlyConfigured(
                f"CaptchaField needs the request, but {form_name} has no 'request' attribute. "
                f"Add django_captcha_guard.forms.CaptchaFormMixin to {form_name} and create it with "
                f"request=request, e.g. {form_name}(request.POST, request=request)."
            )
        return request

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: BaseRenderer | None = None,
    ) -> SafeString:
        # ``value`` (what was submitted) is ignored on purpose: that challenge is used up,
        # so every rendering issues a new one and the answer input starts empty.
        attrs = self.build_attrs(self.attrs, attrs)
        request = self.request
        # Django describes the <fieldset> by the field's errors; a screen reader reads the
        # input's description, so the answer input points at the error list too.
        describedby = [attrs.get("aria-describedby", "")]
        if attrs.get("aria-invalid") and attrs.get("id"):
            describedby.append(f"{attrs['id']}_error")
        return render_widget(
            request,
            self.scope,
            answer_id=attrs.get("id"),
            nonce=page_nonce(None, request),
            template_name=self.template_name or TEMPLATE_NAME,
            answer_attrs=format_html_join(" ", '{}="{}"', ((k, attrs[k]) for k in _ANSWER_ATTRS if k in attrs)),
            describedby=" ".join(filter(None, describedby)),
        )

    def value_from_datadict(self, data: Mapping[str, Any], files: MultiValueDict[str, Any], name: str) -> Any:
        return from_mapping(data)

    def value_omitted_from_data(self, data: Mapping[str, Any], files: MultiValueDict[str, Any], name: str) -> bool:
        # Never "omitted": a ModelForm must not fall back to a default instead of checking.
        return False

    def id_for_label(self, id_: str) -> str:
        # The <legend> takes no "for"; the widget's own <label> points at the answer input.
        return ""


class CaptchaField(forms.Field):
    """A required captcha; ``clean()`` checks the answer once and returns the :class:`Result`.

    ``scope`` binds the challenge to this form: one issued for another scope is rejected.
    A failed check becomes a translated form error with the reason as its ``code``
    (``missing``, ``expired``, ``wrong``, ...), and the re-rendered form has a new picture.
    """

    widget = CaptchaWidget
    scope: str

    def __init__(self, *, scope: str = "", template_name: str = TEMPLATE_NAME, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Captcha"))
        kwargs["required"] = True
        super().__init__(**kwargs)
        if not isinstance(self.widget, CaptchaWidget):
            raise TypeError("CaptchaField(widget=...) must be a CaptchaWidget.")
        self.scope = scope
        self.widget.scope = scope
        self.widget.template_name = template_name

    def _widget(self) -> CaptchaWidget:
        widget = self.widget
        assert isinstance(widget, CaptchaWidget)  # checked in __init__; deep copies keep the class
        return widget

    def get_bound_field(self, form: forms.BaseForm, field_name: str) -> BoundField:
        # Django deep-copies fields per form instance, so the widget can keep its form:
        # that is where the request comes from, for rendering and for clean().
        self._widget().form = form
        return super().get_bound_field(form, field_name)

    def clean(self, value: Any) -> Result:
        key, answer = value if isinstance(value, tuple) and len(value) == 2 else (None, None)
        result = verify_once(self._widget().request, key, answer, self.scope)
        if not result.ok:
            raise ValidationError(result.message, code=result.reason.value)
        return result


class CaptchaFormMixin:
    """Adds ``request=`` to a form's constructor, for the ``CaptchaField`` on it.

    ``LoginForm(request.POST, request=request)`` in a function view; in a class-based view
    return ``{**super().get_form_kwargs(), "request": self.request}`` from
    ``get_form_kwargs()``. Forms that already keep ``self.request`` need no mixin.
    """

    def __init__(self, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if request is not None:
            self.request = request
