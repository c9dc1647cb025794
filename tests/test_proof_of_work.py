"""PROOF_OF_WORK: a bounded SHA-256 puzzle bound to each key, checked after the key is spent and before the answer."""

from __future__ import annotations

import hashlib
import json
import secrets
from importlib import import_module
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.http import HttpRequest
from django.test import Client, RequestFactory

from django_captcha_guard import core, proof_of_work
from django_captcha_guard.core import Reason
from django_captcha_guard.testing import solve, solve_work, solved_fields, stamp
from tests.stores import Harness

BASE = 2000  # small, so the searches in these tests take milliseconds


@pytest.fixture
def work_on(settings: Any) -> None:
    settings.SECRET_KEY = secrets.token_urlsafe(32)  # failure counts of this test only
    settings.CAPTCHA_GUARD = {"STORE": {"BACKEND": "memory"}, "PROOF_OF_WORK": {"MAX_NUMBER": BASE}}


def post(fields: dict[str, str], address: str = "192.0.2.1") -> HttpRequest:
    return RequestFactory().post("/", fields, REMOTE_ADDR=address)


def test_off_by_default_nothing_to_solve(client: Client, settings: Any) -> None:
    settings.CAPTCHA_GUARD = {"STORE": {"BACKEND": "memory"}}
    assert "pow" not in client.get("/captcha/new/").json()
    assert "data-captcha-guard-pow" not in client.get("/page/").content.decode()


@pytest.mark.usefixtures("work_on")
def test_the_puzzle_is_bounded_and_its_searched_stamp_passes(client: Client) -> None:
    body = client.get("/captcha/new/").json()
    puzzle = body["pow"]
    assert puzzle["algorithm"] == "SHA-256" and puzzle["max_number"] == BASE
    assert puzzle["salt"].startswith(body["key"] + f".{BASE}.")
    found = solve_work(puzzle)
    assert found == stamp(body["key"], BASE)
    number = int(found.split(":")[1])
    assert 0 <= number <= BASE
    assert hashlib.sha256(f"{puzzle['salt']}{number}".encode()).hexdigest() == puzzle["challenge"]
    request = post({"captcha_key": body["key"], "captcha_answer": solve(body["key"]), "captcha_pow": found})
    assert core.check_request(request).reason is Reason.OK


@pytest.mark.usefixtures("work_on")
def test_the_widget_carries_the_puzzle_and_its_script_once(client: Client) -> None:
    from django.template import engines

    page = engines["django"].from_string("{% load captcha_guard %}<form>{% captcha %}{% captcha %}</form>")
    html = page.render({}, RequestFactory().get("/"))
    assert html.count("data-captcha-guard-pow ") == 2
    assert html.count("captcha_guard/pow.js") == 1
    assert html.count("<noscript>") == 2
    fields = solved_fields(html)
    assert fields["captcha_pow"] == stamp(fields["captcha_key"], BASE)


def forged(key: str) -> list[object]:
    right = stamp(key, BASE)
    maximum, number = right.split(":")
    other = stamp(core.new_key(), BASE).split(":")[1]
    return [
        None,
        "",
        f"{maximum}:{(int(number) + 1) % (BASE + 1)}",  # the wrong number
        f"1000:{proof_of_work.secret_number(proof_of_work.salt(key, 1000), 1000)}",  # an easier puzzle
        "0:0",  # the easiest of all
        f"{BASE * 20}:0",  # a difficulty never issued
        f"{maximum}:{other}" if other != number else f"{maximum}:x",  # another key's stamp
        f"{maximum}:{number}:1",
        f"{maximum}:0{number}",
        [right, right],
    ]


@pytest.mark.usefixtures("work_on")
@pytest.mark.parametrize("case", range(10))
def test_a_forged_or_missing_stamp_is_refused_and_spends_the_key(case: int) -> None:
    key = core.issue(post({}))
    bad = forged(key)[case]
    fields = {"captcha_key": key, "captcha_answer": solve(key)}
    request = RequestFactory().post("/", json.dumps({**fields, "captcha_pow": bad}), content_type="application/json")
    result = core.check_request(request)
    assert result.reason is Reason.STAMP
    assert "JavaScript" in result.message
    retry = post({**fields, "captcha_pow": stamp(key, BASE)})
    assert core.check_request(retry).reason is Reason.EXPIRED


@pytest.mark.usefixtures("work_on")
def test_the_stamp_is_checked_before_the_answer() -> None:
    key = core.issue(post({}))
    assert core.check_request(post({"captcha_key": key, "captcha_answer": "?????", "captcha_pow": "1:1"})).reason is (
        Reason.STAMP
    )
    key = core.issue(post({}))
    wrong = post({"captcha_key": key, "captcha_answer": "?????", "captcha_pow": stamp(key, BASE)})
    assert core.check_request(wrong).reason is Reason.WRONG


@pytest.mark.usefixtures("work_on")
@pytest.mark.redis
def test_difficulty_rises_with_the_clients_failures(settings: Any) -> None:
    settings.CAPTCHA_GUARD = {**settings.CAPTCHA_GUARD, "RATE_LIMIT_CACHE": "django_redis"}
    seen = []
    for _ in range(12):
        key = core.issue(post({}))
        seen.append(proof_of_work.puzzle(post({}), key)["max_number"])  # type: ignore[index]
        core.check_request(post({"captcha_key": key, "captcha_answer": "?????", "captcha_pow": "1:1"}))
    assert seen == [BASE * n for n in range(1, 11)] + [BASE * 10] * 2
    assert proof_of_work.puzzle(post({}, address="192.0.2.99"), key)["max_number"] == BASE  # type: ignore[index]
    raised = core.issue(post({}))
    fields = {"captcha_key": raised, "captcha_answer": solve(raised)}
    assert core.check_request(post({**fields, "captcha_pow": stamp(raised, BASE * 10)})).ok


def test_the_stamp_is_single_use_with_its_key_in_every_store(any_store: Harness, settings: Any) -> None:
    settings.CAPTCHA_GUARD = {**settings.CAPTCHA_GUARD, "PROOF_OF_WORK": {"MAX_NUMBER": BASE}}
    issuing = any_store.request()
    key = core.issue(issuing)
    any_store.finish(issuing)
    fields = {"captcha_key": key, "captcha_answer": solve(key), "captcha_pow": stamp(key, BASE)}
    results = []
    for _ in range(2):
        request = RequestFactory().post("/", fields)
        request.session = import_module(django_settings.SESSION_ENGINE).SessionStore(any_store.session_key)
        results.append(core.check_request(request).reason)
        any_store.finish(request)
    assert results == [Reason.OK, Reason.EXPIRED]


@pytest.mark.parametrize("value", ["yes", 1, {"MAX_NUMBER": 10}, {"MAX_NUMBER": 10**9}, {"DIFFICULTY": 3}, None])
def test_invalid_proof_of_work_settings_are_refused(settings: Any, value: object) -> None:
    from django_captcha_guard.checks.registry import check_settings

    settings.CAPTCHA_GUARD = {"PROOF_OF_WORK": value}
    assert [m.id for m in check_settings()] == ["captcha_guard.E051"]


@pytest.mark.usefixtures("work_on")
@pytest.mark.parametrize(
    ("path", "extra"),
    [("/guarded/drf/permission/", {"note": "hi"}), ("/guarded/drf/serializer/", {"email": "ann@example.com"})],
)
@pytest.mark.parametrize("format", ["json", "multipart"])
def test_the_drf_classes_read_the_stamp_from_the_parsed_data(
    api: Any, path: str, extra: dict[str, str], format: str
) -> None:
    """DRF reads the body's stream itself, so the stamp comes from ``request.data``, not the raw body."""
    from tests.integration import challenge, fields

    key, answer = challenge()
    solved = api.post(path, {**extra, **fields(key, answer), proof_of_work.FIELD: stamp(key, BASE)}, format=format)
    assert solved.status_code in (200, 201), solved.content
    key, answer = challenge()
    unstamped = api.post(path, {**extra, **fields(key, answer)}, format=format)
    assert unstamped.status_code == 400
    assert str(core.MESSAGES[Reason.STAMP]) in unstamped.content.decode()
