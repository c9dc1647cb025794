"""Per-subject limits: ``require_captcha(per_subject=(field, rate))``, counted in the real Redis."""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest
from django.test import Client

from django_captcha_guard.decorators import require_captcha
from django_captcha_guard.limits import Rate
from tests.integration import challenge, fields, wrong
from tests.processes import PrivateRedis

pytestmark = [pytest.mark.redis, pytest.mark.urls("tests.views_cost")]


@pytest.fixture(autouse=True)
def _counted_in_redis(settings: Any) -> None:
    settings.SECRET_KEY = secrets.token_urlsafe(32)  # counters of this test only
    settings.CAPTCHA_GUARD = {"STORE": {"BACKEND": "memory"}, "RATE_LIMIT_CACHE": "django_redis"}


def send(url: str, mobile: object, *, solved: bool = True, address: str = "192.0.2.1") -> Any:
    key, answer = challenge("sms")
    body = {"mobile": mobile, **fields(key, answer if solved else wrong(answer))}
    return Client(REMOTE_ADDR=address).post(url, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize(
    ("rate", "parsed"),
    [("1/m", Rate(1, 60)), ("5/10m", Rate(5, 600)), ("20/h", Rate(20, 3600)), ("3/d", Rate(3, 86400))],
)
def test_rates_parse(rate: str, parsed: Rate) -> None:
    assert Rate.parse(rate) == parsed


@pytest.mark.parametrize("rate", ["1", "0/m", "1/x", "1/0m", " 1/m", 1])
def test_a_bad_rate_is_refused_when_the_view_is_decorated(rate: Any) -> None:
    with pytest.raises(ValueError, match="Invalid rate"):
        require_captcha(per_subject=("mobile", rate))


def test_one_sms_per_number_a_minute_whatever_the_address() -> None:
    assert send("/sms/", "+8613800000000").json()["code"] == 0
    refused = send("/sms/", " +86 1380000 0000 ", address="203.0.113.9")  # the same number, written otherwise
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    assert refused.json()["reason"] == "limited"
    assert "too often" in refused.json()["errmsg"]
    assert send("/sms/", "+8613900000000").status_code == 200


def test_a_failed_captcha_spends_nothing_of_the_subjects_share() -> None:
    assert send("/sms/", "13800000001", solved=False).status_code == 400
    assert send("/sms/", "13800000001").status_code == 200


def test_a_request_without_a_subject_is_refused() -> None:
    for mobile in (None, "", ["1", "2"], 13800000002.5):
        response = send("/sms/", mobile)
        assert response.status_code == 400
        assert response.json()["reason"] == "no_subject"


def test_a_function_of_the_request_names_the_subject_on_an_async_view() -> None:
    statuses = [send("/sms/async/", "13800000003").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_translated_refusal(settings: Any) -> None:
    send("/sms/", "13800000004")
    key, answer = challenge("sms")
    body = json.dumps({"mobile": "13800000004", **fields(key, answer)})
    response = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").post("/sms/", body, content_type="application/json")
    assert response.status_code == 429
    assert "too often" not in response.json()["errmsg"]


def test_an_outage_of_the_counters_refuses_with_503(settings: Any, private_redis: PrivateRedis, caplog: Any) -> None:
    settings.CACHES = {
        **settings.CACHES,
        "counters": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": private_redis.url()},
    }
    # No issuing limit, so the challenge is issued while the counters are down.
    settings.CAPTCHA_GUARD = {"STORE": {"BACKEND": "memory"}, "RATE_LIMIT": None, "RATE_LIMIT_CACHE": "counters"}
    private_redis.stop()
    key, answer = challenge("sms")
    body = json.dumps({"mobile": "13800000005", **fields(key, answer)})
    response = Client().post("/sms/", body, content_type="application/json")
    assert response.status_code == 503
    assert "Captcha counters: RATE_LIMIT_CACHE 'counters' unavailable" in caplog.text


def test_a_subject_no_digest_can_hash_is_no_subject() -> None:
    """A JSON body can carry a lone surrogate; it names no subject (400), never a 500."""
    key, answer = challenge("sms")
    body = json.dumps({"mobile": "138\ud800", **fields(key, answer)})
    response = Client().post("/sms/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["reason"] == "no_subject"
