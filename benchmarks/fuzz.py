"""Fuzz every entry point with every store, and count the answers of 500 (there must be none).

    python -m benchmarks.fuzz [--requests 20000] [--store NAME ...] [--seed 1]

Runs in-process through Django's test client against the test suite's project (tests/
settings.py, tests/urls.py: the middleware, the decorator, a form field, a JSON API, DRF's
permission and serializer mixin, captcha/new/, the image and a page with a widget), on
the real services the suite uses (SQLite in a file, PostgreSQL, Redis). Each request picks
an entry point, a method, a Content-Type (with charsets that are no text encoding among
them) and a body: valid and replayed answers, random bytes, invalid UTF-8, lone surrogates,
huge and deeply nested JSON, repeated fields. It prints one row per store: requests, 2xx,
4xx, 5xx, and the first tracebacks of any 5xx. Requests that fail inside Django before any
app code runs (Django 5.2 decodes the query string with the Content-Type's charset while it
builds the request, and raises for ``charset=rot13``) are counted in a column of their own. The property tests in
tests/test_bad_input.py run a smaller sample of the same classes in CI.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import sys
import time
import traceback
from collections import Counter
from typing import Any

BODY_CLASSES = ("valid", "replay", "wrong", "bytes", "utf8", "surrogate", "deep", "huge", "repeated", "types")
CHARSETS = ("", "; charset=utf-8", "; charset=rot13", "; charset=base64", "; charset=utf-16", "; charset=nope")
CONTENT_TYPES = (
    "application/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=b",
    "text/plain",
)
POST_URLS = (
    "/plain/",
    "/guarded/protected/",
    "/guarded/form/",
    "/guarded/api/protected/",
    "/guarded/drf/permission/",
    "/guarded/drf/serializer/",
    "/guarded/cbv/class/",
    "/guarded/sms/",
)
METHODS = ("POST", "POST", "POST", "PUT", "PATCH", "DELETE", "PROPFIND", "QUERY")


def setup() -> Any:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from django.test.utils import setup_databases, setup_test_environment

    setup_test_environment()
    return setup_databases(verbosity=0, interactive=False, aliases={"default", "postgresql"})


class Fuzzer:
    def __init__(self, rng: random.Random) -> None:
        from django.test import Client

        self.rng = rng
        self.clients = [Client(REMOTE_ADDR=f"198.51.100.{n}") for n in range(1, 5)]
        self.spent: list[tuple[str, str]] = []

    def request(self) -> tuple[str, int]:
        rng = self.rng
        client = rng.choice(self.clients)
        roll = rng.random()
        if roll < 0.1:
            return "new", client.get("/captcha/new/", self._query(), CONTENT_TYPE=self._content_type()).status_code
        if roll < 0.2:
            key = rng.choice([self._issue(client)[0], "A" * 22, "../" * 7, "é" * 22, "k" * 64])
            extension = rng.choice(["png", "webp", "jpg", "gif"])
            return "image", client.get(f"/captcha/{key}.{extension}", self._query()).status_code
        if roll < 0.25:
            return "page", client.get("/page/").status_code
        url, method = rng.choice(POST_URLS), rng.choice(METHODS)
        body, content_type = self._body(client)
        return url, client.generic(method, url, body, content_type=content_type).status_code

    def _issue(self, client: Any) -> tuple[str, str]:
        from django_captcha_guard.testing import solve

        scope = "sms" if self.rng.random() < 0.2 else "login" if self.rng.random() < 0.2 else ""
        response = client.get("/captcha/new/", {"scope": scope})
        if response.status_code != 200:
            return "A" * 22, "AAAAA"
        key = response.json()["key"]
        return key, solve(key)

    def _query(self) -> dict[str, Any]:
        rng = self.rng
        return rng.choice([{}, {"scope": "x" * rng.randrange(100)}, {"scale": rng.choice(["1", "2", "3", "-1"])},
                           {"replaces": "A" * 22}, {"scope": ["a", "b"]}, {"scope": "\x00\n"}])  # fmt: skip

    def _content_type(self) -> str:
        return self.rng.choice(CONTENT_TYPES) + self.rng.choice(CHARSETS)

    def _body(self, client: Any) -> tuple[bytes, str]:
        rng = self.rng
        key, answer = self._issue(client)
        kind = rng.choice(BODY_CLASSES)
        if kind == "replay" and self.spent:
            key, answer = rng.choice(self.spent)
        elif kind == "valid":
            self.spent.append((key, answer))
        fields: dict[str, Any] = {"captcha_key": key, "captcha_answer": answer, "email": "ann@example.com"}
        if kind == "wrong":
            fields["captcha_answer"] = answer + "Z"
        elif kind == "surrogate":
            fields[rng.choice(["captcha_key", "captcha_answer"])] += "\ud800"
        elif kind == "types":
            fields["captcha_answer"] = rng.choice([None, 12345, 1.5, [answer], {"a": answer}, True, 10**5000 // 3])
        elif kind == "huge":
            fields["captcha_answer"] = answer * rng.choice([100, 100_000])
        if kind == "bytes":
            return rng.randbytes(rng.randrange(512)), self._content_type()
        if kind == "utf8":
            return b"captcha_key=" + key.encode() + b"&captcha_answer=\xff\xfe\xc3\x28", self._content_type()
        if kind == "deep":
            return rng.choice([b"[", b'{"a":']) * rng.choice([1000, 100_000]), "application/json"
        if kind == "repeated":
            return f"captcha_key={key}&captcha_key={key}&captcha_answer={answer}".encode(), self._content_type()
        if rng.random() < 0.5:
            return _json(fields), "application/json" + rng.choice(CHARSETS)
        form = "&".join(f"{name}={value}" for name, value in fields.items() if isinstance(value, str))
        return form.encode("utf-8", "surrogatepass"), "application/x-www-form-urlencoded" + rng.choice(CHARSETS)


def _json(fields: dict[str, Any]) -> bytes:
    try:
        return json.dumps(fields).encode()
    except ValueError:  # an integer too long for str(): send it as digits anyway
        return json.dumps({**fields, "captcha_answer": None}).encode()[:-1] + b', "n": ' + b"9" * 5000 + b"}"


def run_store(name: str, requests: int, seed: int) -> tuple[Counter[str], list[str]]:
    from django.test import override_settings

    from tests.stores import STORES, FakeClock, Harness, configure

    class Settings:  # what tests.stores.configure sets attributes on
        pass

    target = Settings()
    harness = Harness(name, FakeClock())
    configure(target, name, harness.clock, harness.prefix)
    overrides = vars(target)
    overrides["CAPTCHA_GUARD"] = {**overrides["CAPTCHA_GUARD"], "PROTECTED_ROUTES": ["plain"], "RATE_LIMIT": 600}
    counts: Counter[str] = Counter()
    errors: list[str] = []
    assert name in STORES
    with override_settings(**overrides):
        fuzzer = Fuzzer(random.Random(f"{seed}:{name}"))
        for n in range(requests):
            if n % 500 == 0:
                harness.clock.advance(61)  # let expiry happen now and then
                from django.core.cache import caches

                caches["default"].clear()  # a fresh rate-limit window: fuzz the checks, not only 429s
            try:
                where, status = fuzzer.request()
            except Exception as exc:  # a 500 the test client raised
                if not _passes_through_the_package(exc):
                    # Django 5.2 builds a WSGIRequest by decoding a query string with the
                    # Content-Type's charset, and fails for charset=rot13 before any app code.
                    counts["django"] += 1
                    continue
                where, status = "raised", 500
                errors.append(f"{type(exc).__name__}: {exc}"[:300])
            counts[f"{status // 100}xx"] += 1
            if status >= 500:
                counts[f"5xx {where}"] += 1
        harness.cleanup()
    return counts, errors


def _passes_through_the_package(exc: BaseException) -> bool:
    """Whether the traceback ran through this package (or the test project's views)."""
    frames = traceback.extract_tb(exc.__traceback__)
    return any("django_captcha_guard" in frame.filename or "/tests/" in frame.filename for frame in frames[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--store", action="append", help="a name from tests/stores.py STORES (default: all)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    sys.setrecursionlimit(1000)
    databases = setup()
    logging.disable(logging.CRITICAL)  # the failure log line of every refused request
    from django.test.utils import teardown_databases

    from tests.stores import STORES

    names = args.store or list(STORES)
    print(f"fuzz: {args.requests} requests per store, seed {args.seed}, {time.strftime('%Y-%m-%d')}")
    print("| store | requests | 2xx | 4xx | 5xx | failed in Django before any app code | seconds |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    failures = []
    try:
        for name in names:
            started = time.monotonic()
            counts, errors = run_store(name, args.requests, args.seed)
            elapsed = time.monotonic() - started
            row = [name, args.requests, counts["2xx"], counts["4xx"], counts["5xx"], counts["django"], f"{elapsed:.0f}"]
            print("| " + " | ".join(map(str, row)) + " |")
            failures += [f"{name}: {error}" for error in errors[:5]]
            failures += [f"{name}: {where} x{n}" for where, n in counts.items() if where.startswith("5xx ")]
    finally:
        teardown_databases(databases, verbosity=0)
    for failure in failures:
        print(failure)


if __name__ == "__main__":
    main()
