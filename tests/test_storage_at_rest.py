"""No plaintext at rest: what a store keeps reveals neither the answer nor a plain hash of it.

The raw bytes are read the way an attacker with access to the store would read them: raw
Redis values on the test databases, the session row or cache entry, the memory store's
values, LocMemCache's pickles.
"""

from __future__ import annotations

import hashlib

from django_captcha_guard import core
from tests.stores import Harness, answer_for


def revealing_forms(answer: str) -> set[bytes]:
    """The answer as typed and normalised, and the common hex hashes of each."""
    forms = {answer, answer.casefold(), answer.upper()}
    hashes = {hashlib.new(name, form.encode()).hexdigest() for name in ("md5", "sha1", "sha256") for form in forms}
    return {text.encode() for text in forms | hashes} | {h.upper().encode() for h in hashes}


def test_no_answer_or_plain_hash_is_stored(any_store: Harness) -> None:
    request = any_store.request()
    keys = [core.issue(request) for _ in range(10)]
    any_store.finish(request)
    raw = any_store.raw_values(request)
    assert raw and all(raw)  # the scan sees the real stored values
    blob = b"\n".join(raw)
    for key in keys:
        assert any_store.store.get(any_store.request(), key) is not None
        for form in revealing_forms(answer_for(key)):
            assert form not in blob, (any_store.name, form)


def test_the_scan_would_find_a_leak() -> None:
    """The scanner itself works: values embedding the answer or its hash are caught."""
    key = core.new_key()
    answer = answer_for(key)
    leaks = [f"x{answer.lower()}y".encode(), hashlib.sha256(answer.encode()).hexdigest().encode()]
    forms = revealing_forms(answer)
    assert all(any(form in leak for form in forms) for leak in leaks)
