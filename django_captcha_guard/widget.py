"""The captcha widget's HTML, shared by the ``{% captcha %}`` tag and ``CaptchaField``.

Rendering issues a fresh challenge every time, so a form re-shown after a failed submit
always carries a new picture (the old one was consumed by the check). The HTML comes
from ``captcha_guard/widget.html`` through the project's template engines, so a project
overrides it the usual way (a project with no DjangoTemplates backend, only Jinja2, gets
a Django engine of the app's own that reads the apps' ``templates`` folders); it holds no
inline script or style and no ``on*`` attribute: ``captcha_guard.js`` reads its
configuration from ``data-*`` attributes. The first widget on a page also links the default
stylesheet (unless ``STYLESHEET`` is False): a ``<link rel="stylesheet">`` from the static
files, which HTML allows in the body and a ``style-src 'self'`` policy allows to load.
"""

from __future__ import annotations

import functools
from typing import Any

from django.http import HttpRequest
from django.template import engines
from django.template.backends.django import DjangoTemplates
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from django_captcha_guard import progressive, proof_of_work
from django_captcha_guard.conf import CHALLENGE_ALIASES, Config, get_config
from django_captcha_guard.core import MAX_ANSWER_LENGTH, RateLimited, Reason, Result, issue
from django_captcha_guard.storage import StoreUnavailable
from django_captcha_guard.views import image_url, is_valid_scope
from django_captcha_guard.views_audio import audio_url

__all__ = [
    "POW_TEMPLATE",
    "SCRIPT",
    "STYLESHEET",
    "TEMPLATE_NAME",
    "page_nonce",
    "page_status",
    "render_widget",
    "script_tag",
    "stylesheet_tag",
]

TEMPLATE_NAME = "captcha_guard/widget.html"
SCRIPT = "captcha_guard/captcha_guard.js"
STYLESHEET = "captcha_guard/captcha_guard.css"
# Request attributes: how many widgets this page has, whether the script is included, and
# the status a page whose widget could not issue should have (see page_status).
_COUNTER = "_captcha_guard_widgets"
_SCRIPT_DONE = "_captcha_guard_script"
_STYLESHEET_DONE = "_captcha_guard_stylesheet"
_PAGE_STATUS = "_captcha_guard_page_status"
_POW_SCRIPT_DONE = "_captcha_guard_pow_script"
POW_TEMPLATE = "captcha_guard/proof_of_work.html"


def render_widget(
    request: HttpRequest | None,
    scope: str = "",
    *,
    answer_id: str | None = None,
    nonce: str | None = None,
    template_name: str = TEMPLATE_NAME,
    include_script: bool = True,
    answer_attrs: str = "",
    describedby: str = "",
) -> SafeString:
    """Issue a challenge and render the widget for it, or a notice when that is not possible.

    Renders nothing for a ``PROGRESSIVE`` scope while this client needs no captcha.

    The notice says why: the store is down (the page should answer 503), or this client
    asked for too many challenges this minute (429, with the seconds to wait).

    ``answer_id`` is the answer input's id (a form field passes its ``id_...``); by default
    each widget on the page gets a numbered one, so several widgets never share ids.
    ``answer_attrs`` are extra, already escaped attributes for the answer input (the form
    field passes ``aria-invalid`` through); ``describedby`` are ids that describe it (the
    form field's error list), before the widget's own status line.
    """
    if request is None:
        raise ValueError(
            "The captcha widget needs the request: add 'django.template.context_processors.request' "
            "to your template context processors, or pass request= to a CaptchaFormMixin form."
        )
    if not is_valid_scope(scope):
        raise ValueError(f"Invalid captcha scope {scope!r}: use printable text of at most 64 characters.")
    if not progressive.widget_needed(request, scope):
        # PROGRESSIVE: nothing to show (and no challenge issued) until this client has failed.
        return SafeString("")
    number = getattr(request, _COUNTER, 0) + 1
    setattr(request, _COUNTER, number)
    widget_id = f"captcha-guard-{number}"
    context: dict[str, Any] = {
        "widget_id": widget_id,
        "answer_id": answer_id or f"{widget_id}-answer",
        "answer_attrs": answer_attrs,
        "describedby": " ".join(filter(None, [describedby, f"{widget_id}-status"])),
        "stylesheet": stylesheet_tag(request, nonce),
        "script": script_tag(request, nonce) if include_script else "",
    }
    try:
        key = issue(request, scope)
    except RateLimited as limited:
        setattr(request, _PAGE_STATUS, (429, limited.retry_after))
        context.update(notice="rate_limited", message=str(limited.message), retry_after=limited.retry_after)
        return _render(template_name, context)
    except StoreUnavailable:
        setattr(request, _PAGE_STATUS, (503, None))
        context.update(notice="unavailable", message=Result(Reason.UNAVAILABLE).message)
        return _render(template_name, context)
    config = get_config()
    width, height = config.image_size
    context.update(
        notice="",
        key=key,
        scope=scope,
        image_url=image_url(key),
        image_url_2x=image_url(key, scale=2),
        audio_url=audio_url(key),
        width=width,
        height=height,
        key_field=config.key_field,
        answer_field=config.answer_field,
        new_url=reverse("captcha_guard:new"),
        expires_in=config.timeout,
        proof_of_work=_proof_of_work(request, key, nonce),
        **_answer_hints(config),
    )
    return _render(template_name, context)


def _proof_of_work(request: HttpRequest, key: str, nonce: str | None) -> SafeString:
    """PROOF_OF_WORK: the puzzle's hidden input (and, once per page, pow.js); nothing when off."""
    puzzle = proof_of_work.puzzle(request, key)
    if puzzle is None:
        return SafeString("")
    script = not getattr(request, _POW_SCRIPT_DONE, False)
    setattr(request, _POW_SCRIPT_DONE, True)
    context = {"field": proof_of_work.FIELD, "puzzle": puzzle, "script": script, "nonce": nonce}
    return _render(POW_TEMPLATE, context)


def _render(template_name: str, context: dict[str, Any]) -> SafeString:
    """Through the project's engines, so overrides apply; with no DjangoTemplates backend, the app's own."""
    if any(isinstance(engine, DjangoTemplates) for engine in engines.all()):
        return render_to_string(template_name, context)
    return SafeString(_own_engine().get_template(template_name).render(context))


@functools.cache
def _own_engine() -> DjangoTemplates:
    # APP_DIRS and the apps' tag libraries (i18n), as a DjangoTemplates entry in TEMPLATES would have.
    return DjangoTemplates({"NAME": "captcha_guard", "DIRS": [], "APP_DIRS": True, "OPTIONS": {}})


def page_status(request: HttpRequest) -> tuple[int, int | None] | None:
    """(status, Retry-After) for a page whose widget showed a notice instead of a picture, or None.

    ``CaptchaGuardMiddleware`` gives such a page that status, so monitoring sees an outage
    as 503s and a flooding client gets 429s, while people still see the page and the notice.
    """
    status: tuple[int, int | None] | None = getattr(request, _PAGE_STATUS, None)
    return status


def script_tag(request: HttpRequest | None, nonce: str | None = None) -> SafeString:
    """``<script src=... defer>`` the first time a page asks for it, then nothing.

    Loaded with ``defer`` so it never blocks rendering; ``nonce`` lets it run under a
    Content-Security-Policy that only allows scripts carrying the page's nonce.
    """
    if not _first_on_page(request, _SCRIPT_DONE):
        return SafeString("")
    if nonce:
        return format_html('<script src="{}" defer nonce="{}"></script>', static(SCRIPT), nonce)
    return format_html('<script src="{}" defer></script>', static(SCRIPT))


def stylesheet_tag(request: HttpRequest | None, nonce: str | None = None) -> SafeString:
    """``<link rel="stylesheet">`` for the default look, the first time a page asks for it, then nothing.

    Nothing at all when ``STYLESHEET`` is False. ``{% captcha_css %}`` calls this in
    ``<head>``, so the widget is styled before it is painted; otherwise the first widget
    links it. ``nonce`` is for a policy that allows only styles carrying the page's nonce.
    """
    if not get_config().stylesheet or not _first_on_page(request, _STYLESHEET_DONE):
        return SafeString("")
    if nonce:
        return format_html('<link rel="stylesheet" href="{}" nonce="{}">', static(STYLESHEET), nonce)
    return format_html('<link rel="stylesheet" href="{}">', static(STYLESHEET))


def _first_on_page(request: HttpRequest | None, attribute: str) -> bool:
    """True the first time this page (request) asks under ``attribute``; always True without a request."""
    if request is None:
        return True
    if getattr(request, attribute, False):
        return False
    setattr(request, attribute, True)
    return True


def page_nonce(context: Any, request: HttpRequest | None) -> str | None:
    """The page's CSP nonce: ``csp_nonce`` in the template context or on the request.

    Django's CSP context processor and django-csp both offer one; it may be lazy, so
    it is turned into text here, when the page really needs it.
    """
    nonce = context.get("csp_nonce") if context is not None else None
    if not nonce and request is not None:
        nonce = getattr(request, "csp_nonce", None)
    return str(nonce) if nonce else None


def _answer_hints(config: Config) -> dict[str, Any]:
    """Label, alt text, length and on-screen keyboard that suit the configured challenge."""
    path = config.challenge
    if path == CHALLENGE_ALIASES["arithmetic"]:
        return {
            "label": _("Result of the calculation in the picture"),
            "alt": _("A calculation to solve, drawn as a picture"),
            "maxlength": MAX_ANSWER_LENGTH,
            "inputmode": "numeric",
        }
    if path == CHALLENGE_ALIASES["text"]:
        numeric = config.alphabet.isdigit()
        return {
            "label": _("Characters in the picture"),
            "alt": _("Characters to type, drawn as a picture"),
            "maxlength": config.length,
            "inputmode": "numeric" if numeric else "text",
        }
    return {
        "label": _("Answer to the picture"),
        "alt": _("A question to answer, drawn as a picture"),
        "maxlength": MAX_ANSWER_LENGTH,
        "inputmode": "text",
    }
