"""``{% load captcha_guard %}``: ``{% captcha %}``, ``{% captcha_js %}`` and ``{% captcha_css %}``.

``{% captcha %}`` issues a challenge and renders ``captcha_guard/widget.html``; the first
widget on a page also includes ``captcha_guard.js`` (deferred, with the page's CSP nonce).
``{% captcha_js %}`` includes the script earlier, e.g. in ``<head>``; either way it is
included once per page. ``{% captcha_css %}`` links the default stylesheet in ``<head>``
(otherwise the first widget links it), also once per page and not at all when
``STYLESHEET`` is False.
"""

from __future__ import annotations

from django import template
from django.template.context import Context
from django.utils.safestring import SafeString

from django_captcha_guard.widget import TEMPLATE_NAME, page_nonce, render_widget, script_tag, stylesheet_tag

register = template.Library()


@register.simple_tag(takes_context=True)
def captcha(context: Context, scope: str = "", template_name: str = TEMPLATE_NAME) -> SafeString:
    """``{% captcha %}`` or ``{% captcha scope="login" %}``: a new challenge and its widget.

    Needs ``request`` in the context (the ``request`` context processor). When the store is
    down the widget becomes a translated notice rather than an error page.
    """
    request = context.get("request")
    return render_widget(request, scope, nonce=page_nonce(context, request), template_name=template_name)


@register.simple_tag(takes_context=True)
def captcha_js(context: Context) -> SafeString:
    """``{% captcha_js %}``: the widget's script tag, if this page has not included it yet."""
    request = context.get("request")
    return script_tag(request, page_nonce(context, request))


@register.simple_tag(takes_context=True)
def captcha_css(context: Context) -> SafeString:
    """``{% captcha_css %}``: the default stylesheet's link, if this page has not linked it yet."""
    request = context.get("request")
    return stylesheet_tag(request, page_nonce(context, request))
