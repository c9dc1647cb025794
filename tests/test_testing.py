"""django_captcha_guard.testing: what users' own tests rely on."""

from __future__ import annotations

from typing import Any

import pytest
from django.template import RequestContext, Template
from django.test import Client, RequestFactory

from django_captcha_guard import core
from django_captcha_guard.testing import solve, solved_fields

pytestmark = pytest.mark.usefixtures("memory_store")


def page(count: int = 1) -> str:
    source = "{% load captcha_guard %}<form>" + "{% captcha %}" * count + "</form>"
    return Template(source).render(RequestContext(RequestFactory().get("/")))


@pytest.mark.parametrize("challenge", ["text", "arithmetic"])
def test_solve_answers_a_real_challenge(settings: Any, challenge: str) -> None:
    settings.CAPTCHA_GUARD = {"STORE": {"BACKEND": "memory"}, "CHALLENGE": challenge}
    request = RequestFactory().post("/")
    key = core.issue(request)
    assert core.verify(request, key, solve(key)).ok
    key = core.issue(request)
    assert core.verify(request, key, solve(key) + "1").reason is core.Reason.WRONG


def test_solve_refuses_what_is_not_a_key() -> None:
    with pytest.raises(ValueError, match="not a captcha key"):
        solve("PASSED")


def test_solved_fields_reads_a_page() -> None:
    html = page(2)
    first, second = solved_fields(html), solved_fields(html, index=1)
    assert set(first) == {"captcha_key", "captcha_answer"}
    assert first["captcha_key"] != second["captcha_key"]
    request = RequestFactory().post("/")
    assert core.verify(request, first["captcha_key"], first["captcha_answer"]).ok
    assert core.verify(request, second["captcha_key"], second["captcha_answer"]).ok


@pytest.mark.urls("tests.test_forms")
def test_solved_fields_takes_a_response_and_the_configured_names(client: Client, settings: Any) -> None:
    settings.CAPTCHA_GUARD = {"STORE": {"BACKEND": "memory"}, "KEY_FIELD": "k", "ANSWER_FIELD": "a"}
    fields = solved_fields(client.get("/login/"))
    assert set(fields) == {"k", "a"}
    assert client.post("/login/", {"username": "ann", **fields}).content == b"welcome ann"


def test_solved_fields_says_when_there_is_no_widget() -> None:
    with pytest.raises(AssertionError, match="1 captcha widget"):
        solved_fields(page(1), index=1)
