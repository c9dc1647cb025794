"""``{{ captcha() }}``, ``{{ captcha_js() }}`` and ``{{ captcha_css() }}`` through Django's own Jinja2 backend."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.http import HttpRequest
from django.template import engines
from django.test import RequestFactory
from django.utils import translation

from django_captcha_guard import core
from django_captcha_guard.testing import solve
from tests.outage import DOWN
from tests.test_templatetags import Tags
from tests.test_templatetags import render as render_tag

JINJA2 = {
    "BACKEND": "django.template.backends.jinja2.Jinja2",
    "NAME": "jinja2",
    "DIRS": [],
    "APP_DIRS": False,
    "OPTIONS": {"extensions": ["django_captcha_guard.jinja2.CaptchaExtension"]},
}
KEY = re.compile(r"[A-Za-z0-9_-]{22}")


@pytest.fixture(autouse=True)
def jinja2_backend(settings: Any, memory_store: Any) -> None:
    """Jinja2 first, then the suite's DjangoTemplates, as a project using both would list them."""
    settings.TEMPLATES = [JINJA2, *settings.TEMPLATES]


def render(source: str, request: HttpRequest | None = None, **context: Any) -> str:
    request = request or RequestFactory().get("/")
    return str(engines["jinja2"].from_string(source).render(context, request))


def key_of(html: str) -> str:
    key = Tags(html).one("input", type="hidden")["value"]
    assert key is not None
    return key


@pytest.mark.parametrize(
    ("jinja", "tag"),
    [
        ("{{ captcha() }}", "{% captcha %}"),
        ('{{ captcha(scope="login") }}{{ captcha() }}', '{% captcha scope="login" %}{% captcha %}'),
        ("{{ captcha_js() }}{{ captcha() }}", "{% captcha_js %}{% captcha %}"),
    ],
)
def test_the_same_markup_as_the_django_tag(jinja: str, tag: str) -> None:
    """Byte for byte, once the random keys are set aside: one template, one code path."""
    from_jinja = render(jinja, csp_nonce="n0nce")
    from_tag = render_tag(tag, csp_nonce="n0nce")
    assert KEY.sub("KEY", from_jinja) == KEY.sub("KEY", from_tag)
    assert '<script src="/static/captcha_guard/captcha_guard.js" defer nonce="n0nce"></script>' in from_jinja
    assert "&lt;" not in from_jinja  # autoescaping leaves the widget's markup alone


def test_the_challenge_is_real_and_keeps_its_scope() -> None:
    request = RequestFactory().post("/")
    key = key_of(render('{{ captcha(scope="login") }}'))
    assert core.verify(request, key, solve(key), "signup").reason is core.Reason.WRONG
    key = key_of(render('{{ captcha(scope="login") }}'))
    assert core.verify(request, key, solve(key), "login").ok


def test_the_script_comes_once_per_page_with_the_request_nonce() -> None:
    request = RequestFactory().get("/")
    request.csp_nonce = "from-request"  # type: ignore[attr-defined]  # as django-csp sets it
    tags = Tags(render("<head>{{ captcha_js() }}</head>{{ captcha() }}{{ captcha() }}{{ captcha_js() }}", request))
    assert tags.all("script") == [
        {"src": "/static/captcha_guard/captcha_guard.js", "defer": None, "nonce": "from-request"}
    ]
    assert [div["id"] for div in tags.all("div")] == ["captcha-guard-1", "captcha-guard-2"]


def test_the_stylesheet_comes_once_per_page_with_the_request_nonce() -> None:
    request = RequestFactory().get("/")
    request.csp_nonce = "n"  # type: ignore[attr-defined]
    html = render("<head>{{ captcha_css() }}</head>{{ captcha() }}{{ captcha_css() }}", request)
    assert Tags(html).all("link") == [
        {"rel": "stylesheet", "href": "/static/captcha_guard/captcha_guard.css", "nonce": "n"}
    ]
    assert html.index("<link") < html.index("</head>")


def test_the_widget_template_can_be_chosen() -> None:
    html = render('{{ captcha(template_name="captcha_guard/failure_message.html") }}')
    assert 'class="captcha-guard-error"' in html


def test_a_store_outage_is_the_translated_notice(settings: Any) -> None:
    settings.CAPTCHA_GUARD = {"STORE": DOWN}
    assert Tags(render("{{ captcha() }}")).text == [str(core.MESSAGES[core.Reason.UNAVAILABLE])]
    with translation.override("zh-hans"):
        assert Tags(render("{{ captcha() }}")).text == ["图片验证码服务暂时不可用，请稍后再试。"]  # noqa: RUF001


def test_without_a_request_the_error_says_what_is_missing() -> None:
    with pytest.raises(ValueError, match="needs the request"):
        engines["jinja2"].from_string("{{ captcha() }}").render({})


def test_a_project_with_jinja2_only_gets_the_same_widget(settings: Any) -> None:
    """No DjangoTemplates backend at all: the widget comes from the app's own Django engine."""
    from_tag = render_tag("{% captcha %}")
    settings.TEMPLATES = [JINJA2]
    html = render("{{ captcha() }}")
    assert KEY.sub("KEY", html) == KEY.sub("KEY", from_tag)
