"""``{% captcha %}`` and ``{% captcha_js %}``: the exact markup users and screen readers get."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.http import HttpRequest
from django.template import Context, RequestContext, Template
from django.test import Client, RequestFactory
from django.utils import translation

from django_captcha_guard import core
from django_captcha_guard.storage import get_storage
from django_captcha_guard.testing import solve
from tests.outage import DOWN

pytestmark = pytest.mark.usefixtures("memory_store")


class Tags(HTMLParser):
    """Every start tag as (name, attributes), plus the text, for close assertions."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.text.append(data.strip())

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]

    def one(self, tag: str, **match: str) -> dict[str, str | None]:
        found = [a for a in self.all(tag) if all(a.get(k.replace("_", "-")) == v for k, v in match.items())]
        assert len(found) == 1, (tag, match, self.tags)
        return found[0]


def render(source: str, request: HttpRequest | None = None, **context: Any) -> str:
    request = request or RequestFactory().get("/")
    return Template("{% load captcha_guard %}" + source).render(RequestContext(request, context))


def test_widget_markup() -> None:
    html = render("{% captcha %}")
    tags = Tags(html)
    wrapper = tags.one("div")
    key = tags.one("input", type="hidden")["value"]
    assert key is not None and core.is_valid_key(key)
    assert wrapper == {
        "class": "captcha-guard",
        "id": "captcha-guard-1",
        "data-captcha-guard": None,
        "data-new-url": "/captcha/new/",
        "data-scope": "",
        "data-expires-in": "300",
        "data-announce-picture": "A new picture is shown.",
        "data-announce-failed": "Could not load a new challenge. Please reload the page.",
    }
    assert tags.one("link") == {"rel": "stylesheet", "href": "/static/captcha_guard/captcha_guard.css"}
    assert html.index("<link") < html.index("<div")
    assert tags.one("img") == {
        "class": "captcha-guard-image",
        "src": f"/captcha/{key}.png",
        "srcset": f"/captcha/{key}.png 1x, /captcha/{key}.png?scale=2 2x",
        "width": "240",
        "height": "80",
        "alt": "Characters to type, drawn as a picture",
        "data-captcha-guard-image": None,
    }
    # Both shown by the script; without it a reload is the refresh, and there is no player.
    refresh, listen = tags.all("button")
    assert refresh == {
        "type": "button",
        "class": "captcha-guard-button captcha-guard-refresh",
        "aria-controls": "captcha-guard-1",
        "data-captcha-guard-refresh": None,
        "hidden": None,
    }
    assert listen == {
        "type": "button",
        "class": "captcha-guard-button captcha-guard-listen",
        "data-captcha-guard-listen": None,
        "data-audio-url": f"/captcha/{key}.wav",
        "hidden": None,
    }
    assert tags.one("input", type="hidden") == {
        "type": "hidden",
        "name": "captcha_key",
        "value": key,
        "data-captcha-guard-key": None,
    }
    assert tags.one("label") == {"class": "captcha-guard-label", "for": "captcha-guard-1-answer"}
    assert tags.one("input", type="text") == {
        "type": "text",
        "class": "captcha-guard-answer",
        "id": "captcha-guard-1-answer",
        "name": "captcha_answer",
        "required": None,
        "maxlength": "5",
        "inputmode": "text",
        "autocomplete": "off",
        "autocapitalize": "off",
        "autocorrect": "off",
        "spellcheck": "false",
        "aria-describedby": "captcha-guard-1-status",
        "data-captcha-guard-answer": None,
    }
    assert tags.one("p") == {
        "class": "captcha-guard-status",
        "id": "captcha-guard-1-status",
        "role": "status",
        "data-captcha-guard-status": None,
    }
    assert tags.one("script") == {"src": "/static/captcha_guard/captcha_guard.js", "defer": None}
    assert tags.text == ["New picture", "Listen", "Characters in the picture"]


def test_stylesheet_once_per_page_with_the_nonce_or_not_at_all(settings: Any) -> None:
    html = render("<head>{% captcha_css %}</head>{% captcha %}{% captcha %}", csp_nonce="abc")
    links = Tags(html).all("link")
    assert links == [{"rel": "stylesheet", "href": "/static/captcha_guard/captcha_guard.css", "nonce": "abc"}]
    assert html.index("<link") < html.index("</head>")
    settings.CAPTCHA_GUARD = {"STORE": {"BACKEND": "memory"}, "STYLESHEET": False}
    assert Tags(render("{% captcha_css %}{% captcha %}")).all("link") == []


def test_no_listen_button_without_audio(settings: Any) -> None:
    settings.CAPTCHA_GUARD = {"STORE": {"BACKEND": "memory"}, "AUDIO": False}
    tags = Tags(render("{% captcha %}"))
    assert [b["class"] for b in tags.all("button")] == ["captcha-guard-button captcha-guard-refresh"]


def test_the_widget_challenge_is_real_and_live() -> None:
    request = RequestFactory().get("/")
    key = Tags(render("{% captcha %}", request)).one("input", type="hidden")["value"]
    assert key is not None
    store = get_storage()
    assert store.is_live(store.get(request, key))
    assert core.verify(request, key, solve(key)).ok


def test_no_inline_script_style_or_event_handlers() -> None:
    html = render('{% captcha %}{% captcha scope="login" %}', csp_nonce="n0nce")
    script = '<script src="/static/captcha_guard/captcha_guard.js" defer nonce="n0nce">'
    assert re.findall(r"<script[^>]*>", html) == [script]
    assert "</script>" in html and re.search(r"<script[^>]*>[^<]+</script>", html) is None
    assert "<style" not in html and "style=" not in html
    assert re.search(r"\son[a-z]+=", html) is None
    assert "javascript:" not in html


def test_several_widgets_are_independent() -> None:
    tags = Tags(render('{% captcha %}{% captcha scope="login" %}{% captcha %}'))
    wrappers = tags.all("div")
    assert [w["id"] for w in wrappers] == ["captcha-guard-1", "captcha-guard-2", "captcha-guard-3"]
    assert [w["data-scope"] for w in wrappers] == ["", "login", ""]
    answers = [a["id"] for a in tags.all("input") if a["type"] == "text"]
    assert answers == ["captcha-guard-1-answer", "captcha-guard-2-answer", "captcha-guard-3-answer"]
    assert [label["for"] for label in tags.all("label")] == answers
    keys = {a["value"] for a in tags.all("input") if a["type"] == "hidden"}
    assert len(keys) == 3
    assert len(tags.all("script")) == 1


def test_scope_binds_the_challenge() -> None:
    request = RequestFactory().post("/")
    key = Tags(render('{% captcha scope="login" %}')).one("input", type="hidden")["value"]
    assert key is not None
    assert core.verify(request, key, solve(key), "signup").reason is core.Reason.WRONG
    key = Tags(render('{% captcha scope="login" %}')).one("input", type="hidden")["value"]
    assert core.verify(request, key, solve(key), "login").ok


def test_scope_from_a_variable() -> None:
    assert Tags(render("{% captcha scope=form_scope %}", form_scope="comment")).one("div")["data-scope"] == "comment"


def test_an_invalid_scope_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="Invalid captcha scope"):
        render("{% captcha scope=bad %}", bad="x" * 65)


def test_nonce_from_the_request_when_the_context_has_none() -> None:
    request = RequestFactory().get("/")
    request.csp_nonce = "from-request"  # type: ignore[attr-defined]  # as django-csp sets it
    assert Tags(render("{% captcha %}", request)).one("script")["nonce"] == "from-request"


def test_captcha_js_includes_the_script_once_per_page() -> None:
    html = render("<head>{% captcha_js %}{% captcha_js %}</head>{% captcha %}{% captcha %}", csp_nonce="abc")
    tags = Tags(html)
    assert tags.all("script") == [{"src": "/static/captcha_guard/captcha_guard.js", "defer": None, "nonce": "abc"}]
    assert html.index("<script") < html.index("<div")


def test_each_page_gets_its_own_script_and_numbering() -> None:
    for _ in range(2):
        tags = Tags(render("{% captcha %}"))
        assert len(tags.all("script")) == 1
        assert tags.one("div")["id"] == "captcha-guard-1"


def test_arithmetic_challenge_asks_for_a_number(settings: Any) -> None:
    settings.CAPTCHA_GUARD = {"STORE": {"BACKEND": "memory"}, "CHALLENGE": "arithmetic"}
    tags = Tags(render("{% captcha %}"))
    answer = tags.one("input", type="text")
    assert answer["inputmode"] == "numeric"
    assert answer["maxlength"] == str(core.MAX_ANSWER_LENGTH)
    assert tags.one("img")["alt"] == "A calculation to solve, drawn as a picture"
    assert "Result of the calculation in the picture" in tags.text


def test_settings_shape_the_widget(settings: Any) -> None:
    settings.CAPTCHA_GUARD = {
        "STORE": {"BACKEND": "memory"},
        "ALPHABET": "0123456789",
        "LENGTH": 6,
        "IMAGE_SIZE": (200, 80),
        "TIMEOUT": 90,
        "FORMAT": "WEBP",
        "KEY_FIELD": "ck",
        "ANSWER_FIELD": "ca",
    }
    tags = Tags(render("{% captcha %}"))
    key = tags.one("input", type="hidden", name="ck")["value"]
    assert tags.one("input", type="text")["name"] == "ca"
    assert tags.one("input", type="text")["maxlength"] == "6"
    assert tags.one("input", type="text")["inputmode"] == "numeric"
    assert (tags.one("img")["width"], tags.one("img")["height"]) == ("200", "80")
    assert tags.one("img")["src"] == f"/captcha/{key}.webp"
    assert tags.one("div")["data-expires-in"] == "90"


def test_store_outage_renders_a_notice_not_an_error(settings: Any) -> None:
    settings.CAPTCHA_GUARD = {"STORE": DOWN}
    tags = Tags(render("<form>{% captcha %}</form>"))
    assert tags.one("p") == {"role": "alert"}
    assert tags.text == [str(core.MESSAGES[core.Reason.UNAVAILABLE])]
    assert tags.all("input") == []
    with translation.override("zh-hans"):
        assert Tags(render("{% captcha %}")).text == ["图片验证码服务暂时不可用，请稍后再试。"]  # noqa: RUF001


def test_missing_request_names_the_context_processor() -> None:
    template = Template("{% load captcha_guard %}{% captcha %}")
    with pytest.raises(ValueError, match=r"django\.template\.context_processors\.request"):
        template.render(Context({}))


def test_translated_widget() -> None:
    with translation.override("zh-hans"):
        tags = Tags(render("{% captcha %}"))
    assert tags.one("img")["alt"] == "待输入字符的图片"
    assert tags.text == ["换一张", "收听", "图片中的字符"]
    assert tags.one("div")["data-announce-picture"] != "A new picture is shown."


def test_widget_in_a_real_page_with_sessions(client: Client, settings: Any, db: None) -> None:
    """The session store, through the test client: the key lives in this visitor's session."""
    settings.CAPTCHA_GUARD = {"STORE": {"BACKEND": "session"}}
    settings.ROOT_URLCONF = "tests.test_forms"
    page = client.get("/login/")
    key = Tags(page.content.decode()).one("input", type="hidden", name="captcha_key")["value"]
    assert client.head(f"/captcha/{key}.png").status_code == 200
    assert Client().head(f"/captcha/{key}.png").status_code == 410
