"""Jinja2 support: ``{{ captcha() }}`` and ``{{ captcha_js() }}`` for Django's Jinja2 backend.

Add the extension to the backend's options::

    TEMPLATES = [
        {"BACKEND": "django.template.backends.jinja2.Jinja2", "APP_DIRS": True,
         "OPTIONS": {"extensions": ["django_captcha_guard.jinja2.CaptchaExtension"]}},
        {"BACKEND": "django.template.backends.django.DjangoTemplates", ...},
    ]

or put :func:`captcha` and :func:`captcha_js` into the globals of your own ``environment``.
They are the ``{% captcha %}`` and ``{% captcha_js %}`` tags for Jinja2, and call the same
:func:`widget.render_widget`, so the widget is the same markup (``captcha_guard/widget.html``
through the Django engine, overridable the usual way), with the same script included once
per page and the page's CSP nonce. The request comes from the template context, where
Django's Jinja2 backend puts it; the nonce is ``csp_nonce`` in the context or
``request.csp_nonce``. Both return Django's ``SafeString``, which Jinja2's autoescaping
leaves alone (it has ``__html__``). Needs ``pip install django-captcha-guard[jinja2]``.
"""

from __future__ import annotations

from typing import Any

from django.utils.safestring import SafeString
from jinja2 import Environment, pass_context
from jinja2.ext import Extension
from jinja2.runtime import Context

from django_captcha_guard.widget import TEMPLATE_NAME, page_nonce, render_widget, script_tag, stylesheet_tag

__all__ = ["CaptchaExtension", "captcha", "captcha_css", "captcha_js"]


@pass_context
def captcha(context: Context, scope: str = "", template_name: str = TEMPLATE_NAME) -> SafeString:
    """``{{ captcha() }}`` or ``{{ captcha(scope="login") }}``: a new challenge and its widget.

    A store outage or a flooding client gets the widget's translated notice, as with the tag.
    """
    request = context.get("request")
    nonce = page_nonce(context, request)
    return render_widget(request, scope, nonce=nonce, template_name=template_name)


@pass_context
def captcha_js(context: Context) -> SafeString:
    """``{{ captcha_js() }}``: the widget's script tag, if this page has not included it yet."""
    request = context.get("request")
    return script_tag(request, page_nonce(context, request))


@pass_context
def captcha_css(context: Context) -> SafeString:
    """``{{ captcha_css() }}``: the default stylesheet's link, if this page has not linked it yet."""
    request = context.get("request")
    return stylesheet_tag(request, page_nonce(context, request))


class CaptchaExtension(Extension):
    """Adds the :func:`captcha`, :func:`captcha_js` and :func:`captcha_css` globals to the environment."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        globals_: dict[str, Any] = environment.globals
        globals_.update(captcha=captcha, captcha_js=captcha_js, captcha_css=captcha_css)
