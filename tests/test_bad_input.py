"""Bad input at every entry point: the documented 4xx with a message, never a 5xx, never a success.

The entry points are the middleware (PROTECTED_ROUTES), the decorator, the form field,
a JSON API behind the decorator, DRF's permission and serializer mixin, and the DRF serializer
fields in a DRF view and in an async adrf view.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client, override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from django_captcha_guard.core import MESSAGES, Reason
from django_captcha_guard.testing import solve
from tests.integration import MEMORY, alive, challenge, fields
from tests.stores import Harness

ENTRY_POINTS = {
    "middleware": "/plain/",
    "decorator": "/guarded/protected/",
    "form field": "/guarded/form/",
    "json api": "/guarded/api/protected/",
    "drf permission": "/guarded/drf/permission/",
    "drf serializer": "/guarded/drf/serializer/",
    "drf field": "/guarded/drf/field/",
    "drf field (async, adrf)": "/guarded/drf/field-async/",
}
# No RATE_LIMIT: the property tests below issue hundreds of challenges from one address.
CONFIG = {"STORE": MEMORY, "PROTECTED_ROUTES": ["plain"], "RATE_LIMIT": None}
FAILURE_STATUSES = {400, 403, 415}  # 415: DRF refusing a content type it has no parser for


def post(url: str, body: bytes | dict[str, Any], content_type: str | None = None, client: Client | None = None) -> Any:
    client = client or Client()
    if isinstance(body, dict):
        return client.post(url, body)  # multipart, lists become repeated fields
    # generic(): the bytes go as they are; post() would encode them with the Content-Type's charset.
    return client.generic("POST", url, body, content_type=content_type or "application/octet-stream")


def succeeded(response: Any) -> bool:
    return response.status_code in (200, 201)


def message(reason: Reason) -> str:
    return str(MESSAGES[reason])


# Each case: (key, answer) of a live challenge -> (body, content type or None for multipart).
Case = Callable[[str, str], tuple[bytes | dict[str, Any], str | None]]

CASES: dict[str, tuple[Case, Reason]] = {
    "no fields": (lambda k, a: ({"comment": "hi"}, None), Reason.MISSING),
    "empty strings": (lambda k, a: ({"captcha_key": "", "captcha_answer": ""}, None), Reason.MISSING),
    "empty answer": (lambda k, a: ({"captcha_key": k, "captcha_answer": ""}, None), Reason.MISSING),
    "repeated answer": (lambda k, a: ({"captcha_key": k, "captcha_answer": [a, a]}, None), Reason.MALFORMED),
    "repeated key": (lambda k, a: ({"captcha_key": [k, k], "captcha_answer": a}, None), Reason.MALFORMED),
    "10 KB answer": (lambda k, a: ({"captcha_key": k, "captcha_answer": a + "x" * 10240}, None), Reason.MALFORMED),
    "NUL in answer": (lambda k, a: ({"captcha_key": k, "captcha_answer": a + "\x00"}, None), Reason.MALFORMED),
    "NUL in key": (lambda k, a: ({"captcha_key": k[:-1] + "\x00", "captcha_answer": a}, None), Reason.MALFORMED),
    "non-ASCII answer": (lambda k, a: ({"captcha_key": k, "captcha_answer": "验证码"}, None), Reason.WRONG),
    "path in key": (lambda k, a: ({"captcha_key": "../" * 8, "captcha_answer": a}, None), Reason.MALFORMED),
    "JSON list answer": (
        lambda k, a: (json.dumps({"captcha_key": k, "captcha_answer": [a]}).encode(), "application/json"),
        Reason.MALFORMED,
    ),
    "JSON object answer": (
        lambda k, a: (json.dumps({"captcha_key": k, "captcha_answer": {"a": a}}).encode(), "application/json"),
        Reason.MALFORMED,
    ),
    "JSON null answer": (
        lambda k, a: (json.dumps({"captcha_key": k, "captcha_answer": None}).encode(), "application/json"),
        Reason.MISSING,
    ),
    # json.dumps writes a lone surrogate as a \\u escape, which json.loads reads back as one.
    "JSON lone surrogate answer": (
        lambda k, a: (json.dumps({"captcha_key": k, "captcha_answer": a + "\ud800"}).encode(), "application/json"),
        Reason.MALFORMED,
    ),
    "JSON lone surrogate key": (
        lambda k, a: (json.dumps({"captcha_key": "\udfff" + k[1:], "captcha_answer": a}).encode(), "application/json"),
        Reason.MALFORMED,
    ),
    "JSON wrong answer": (
        lambda k, a: (json.dumps({"captcha_key": k, "captcha_answer": a + "Z"}).encode(), "application/json"),
        Reason.WRONG,
    ),
}


@pytest.fixture(autouse=True)
def _config(settings: Any) -> None:
    settings.CAPTCHA_GUARD = CONFIG


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_bad_fields_get_a_4xx_with_the_reason(entry: str, case: str) -> None:
    build, reason = CASES[case]
    key, answer = challenge()
    body, content_type = build(key, answer)
    response = post(ENTRY_POINTS[entry], body, content_type)
    assert response.status_code in FAILURE_STATUSES
    if entry == "form field" and content_type == "application/json":
        reason = Reason.MISSING  # a Django form reads form data; a JSON body carries none
    assert message(reason) in response.content.decode()


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_a_long_answer_still_spends_the_challenge(entry: str) -> None:
    key, answer = challenge()
    post(ENTRY_POINTS[entry], {"captcha_key": key, "captcha_answer": answer * 2000})
    assert not alive(key)


UNREADABLE_BODIES = [
    (b"captcha_key=%FF%FE&captcha_answer=%C3%28", "application/x-www-form-urlencoded"),
    (b"\xff\xfe{", "application/json"),
    (b'{"captcha_key": "\xc3\x28"}', "application/json"),
    (b"{not json", "application/json"),
    (b"[1, 2]", "application/json"),
    (b"[" * 100_000, "application/json"),
    (b"--x\r\nContent-Disposition: form-data; name=\xff\r\n\r\n", "multipart/form-data; boundary=x"),
    (b"--x\r\n", "multipart/form-data"),  # no boundary
    (b"captcha_key=a&captcha_answer=b", "text/plain"),
    # Charsets Python knows as codecs but not as text encodings, and ones it does not know.
    (b"captcha_key=a&captcha_answer=b", "application/x-www-form-urlencoded; charset=rot13"),
    (b"captcha_key=a&captcha_answer=b", "application/x-www-form-urlencoded; charset=base64"),
    (b"captcha_key=a&captcha_answer=b", "application/x-www-form-urlencoded; charset=no-such-charset"),
    (b'{"captcha_key": "a"}', "application/json; charset=rot13"),
    (
        b"--x\r\nContent-Disposition: form-data; name=captcha_key\r\n\r\na\r\n--x--\r\n",
        "multipart/form-data; boundary=x; charset=rot13",
    ),
    (b"captcha_key=\xff\xfe&captcha_answer=\xc3\x28", "application/x-www-form-urlencoded; charset=utf-8"),
]


@pytest.mark.parametrize(
    ("entry", "body", "content_type"),
    [
        (entry, body, content_type)
        for entry in ENTRY_POINTS
        for body, content_type in UNREADABLE_BODIES
        # A form view reads request.POST itself, and Django raises for a charset that is no text
        # encoding (so does CsrfViewMiddleware, before any view): our code is not in that path.
        if not (entry == "form field" and "charset=rot13" in content_type and "multipart" in content_type)
    ],
)
def test_unreadable_bodies_are_a_4xx(entry: str, body: bytes, content_type: str) -> None:
    response = post(ENTRY_POINTS[entry], body, content_type)
    assert response.status_code in FAILURE_STATUSES


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_the_right_answer_in_any_case_and_spacing_passes(entry: str) -> None:
    """The positive control for the cases above: the same entry points do let people in."""
    key, answer = challenge()
    body = {"captcha_key": key, "captcha_answer": f"  {answer.lower()} ", "email": "ann@example.com"}
    assert succeeded(post(ENTRY_POINTS[entry], body))
    if entry != "form field":  # a Django form reads form data only
        key, answer = challenge()
        body = {"captcha_key": key, "captcha_answer": answer, "email": "ann@example.com"}
        assert succeeded(post(ENTRY_POINTS[entry], json.dumps(body).encode(), "application/json"))


# Values a client could put in a field: text (any code point a body can carry), numbers,
# lists and objects; and whole bodies in any content type.
field_values = st.one_of(
    st.none(),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=64),
    st.text(alphabet="ACEFHKMNPRTWXY34acefh ", min_size=1, max_size=8),
    st.integers(),
    st.lists(st.text(max_size=8), max_size=3),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=16),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
content_types = st.sampled_from(
    [
        "application/json",
        "application/problem+json",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=b",
        "text/plain",
        "application/xml",
        "",
        "application/x-www-form-urlencoded; charset=rot13",
        "application/json; charset=utf-16",
        "multipart/form-data; boundary=b; charset=hex",
        "application/x-www-form-urlencoded; charset=utf-8",
    ]
)
# Text a JSON body can carry but UTF-8 cannot encode: lone surrogates, written as \u escapes.
surrogates = st.text(st.characters(categories=["Cs"]), min_size=1, max_size=4)


@st.composite
def submissions(draw: st.DrawFn, key: str) -> tuple[bytes | dict[str, Any], str | None]:
    """A submission for the live challenge ``key`` that never carries its right answer."""
    sent_key = draw(st.one_of(st.just(key), field_values))
    shape = draw(st.sampled_from(["form", "json", "raw"]))
    if shape == "form":
        fields = {"captcha_key": sent_key, "captcha_answer": draw(field_values)}
        form = {name: value for name, value in fields.items() if value is not None}
        return {name: value if isinstance(value, list) else str(value) for name, value in form.items()}, None
    if shape == "json":
        answers = json_values | surrogates | st.builds(str.__add__, st.text(max_size=6), surrogates)
        fields = st.fixed_dictionaries({"captcha_key": st.just(sent_key) | surrogates, "captcha_answer": answers})
        body = draw(json_values | fields)
        return json.dumps(body).encode(), "application/json"
    return draw(st.binary(max_size=256)), draw(content_types)


@pytest.mark.slow
@pytest.mark.parametrize("entry", ENTRY_POINTS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_input_never_errors_and_never_passes(entry: str, data: st.DataObject) -> None:
    with override_settings(CAPTCHA_GUARD=CONFIG):
        key, answer = challenge()
        body, content_type = data.draw(submissions(key))
        response = post(ENTRY_POINTS[entry], body, content_type)
    assert response.status_code < 500
    if not _carries(body, answer):
        assert not succeeded(response)
        assert response.status_code in FAILURE_STATUSES


def _carries(body: bytes | dict[str, Any], answer: str) -> bool:
    """Whether a generated body happens to hold the right answer (then passing is correct)."""
    if isinstance(body, bytes):
        try:
            body = json.loads(body)
        except ValueError:
            return False
    sent = body.get("captcha_answer") if isinstance(body, dict) else None
    return isinstance(sent, str) and sent.strip().casefold() == answer.casefold()


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_a_body_over_djangos_upload_limit_is_a_4xx(entry: str, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    key, answer = challenge()
    body = json.dumps({"captcha_key": key, "captcha_answer": answer, "padding": "x" * 2048}).encode()
    assert post(ENTRY_POINTS[entry], body, "application/json").status_code in FAILURE_STATUSES
    assert (
        post(ENTRY_POINTS[entry], {"captcha_key": key, "captcha_answer": answer, "padding": "x" * 2048}).status_code
        in FAILURE_STATUSES
    )


# The worst of the above, for every store: each must refuse them the same way.
NASTY: list[Case] = [
    CASES["JSON lone surrogate answer"][0],
    CASES["10 KB answer"][0],
    CASES["repeated key"][0],
    lambda k, a: (b"captcha_key=%s&captcha_answer=%s" % (k.encode(), a.encode()), "application/json; charset=rot13"),
    lambda k, a: (b"captcha_key=" + k.encode() + b"&captcha_answer=\xff\xfe", "application/x-www-form-urlencoded"),
    lambda k, a: (b"[" * 100_000, "application/json"),
]


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_every_store_refuses_bad_replayed_and_expired_input(any_store: Harness, settings: Any, entry: str) -> None:
    settings.CAPTCHA_GUARD = {**settings.CAPTCHA_GUARD, "PROTECTED_ROUTES": ["plain"]}
    url, client = ENTRY_POINTS[entry], Client()

    def issued() -> tuple[str, str]:
        key = client.get("/captcha/new/").json()["key"]  # in this client's session, for the session store
        return key, solve(key)

    for build in NASTY:
        body, content_type = build(*issued())
        assert post(url, body, content_type, client).status_code in FAILURE_STATUSES
    key, answer = issued()
    assert succeeded(post(url, {**fields(key, answer), "email": "ann@example.com"}, None, client))
    replayed = post(url, {**fields(key, answer), "email": "ann@example.com"}, None, client)
    assert replayed.status_code in FAILURE_STATUSES
    assert message(Reason.EXPIRED) in replayed.content.decode()
    key, answer = issued()
    any_store.clock.advance(301)
    expired = post(url, {**fields(key, answer), "email": "ann@example.com"}, None, client)
    assert expired.status_code in FAILURE_STATUSES
    assert message(Reason.EXPIRED) in expired.content.decode()
