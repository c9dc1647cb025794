"""English source strings and the shipped Simplified Chinese catalogue, chosen by the active language."""

from __future__ import annotations

import gettext
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

import django_captcha_guard
from django_captcha_guard import core
from django_captcha_guard.core import Reason

pytestmark = pytest.mark.usefixtures("memory_store")

LC_MESSAGES = Path(django_captcha_guard.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES"
CJK = re.compile(r"[\u4e00-\u9fff]")


def po_entries() -> dict[str, str]:
    """msgid -> msgstr from django.po (single or multi-line strings; header left out)."""
    entries: dict[str, str] = {}
    for block in (LC_MESSAGES / "django.po").read_text(encoding="utf-8").split("\n\n"):
        assert "#, fuzzy" not in block, block
        match = re.search(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n?)+)', block, re.MULTILINE)
        if match:
            msgid, msgstr = ("".join(json.loads(line) for line in part.split("\n") if line) for part in match.groups())
            if msgid:
                entries[msgid] = msgstr
    return entries


def test_every_string_is_translated_and_compiled() -> None:
    entries = po_entries()
    assert len(entries) >= 20
    with (LC_MESSAGES / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    for msgid, msgstr in entries.items():
        assert CJK.search(msgstr), f"untranslated: {msgid!r}"
        assert compiled.gettext(msgid) == msgstr, f"django.mo is older than django.po for {msgid!r}"


@pytest.mark.parametrize("reason", list(Reason))
def test_every_reason_has_an_english_and_a_chinese_message(reason: Reason) -> None:
    english = core.Result(reason).message
    assert english == str(core.MESSAGES[reason]) and not CJK.search(english)
    with translation.override("zh-hans"):
        assert CJK.search(core.Result(reason).message)


def test_the_messages_users_see_most() -> None:
    with translation.override("zh-hans"):
        assert core.Result(Reason.EXPIRED).message == "图片验证码已过期，请按新图片重新输入。"  # noqa: RUF001
        assert core.Result(Reason.WRONG).message == "图片验证码错误，请重新输入。"  # noqa: RUF001
        assert core.Result(Reason.MISSING).message == "请输入图片中的字符。"


def test_accept_language_picks_the_language_of_the_endpoints(client: Client) -> None:
    chinese = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}
    gone = client.get(f"/captcha/{core.new_key()}.png", **chinese)
    assert gone.status_code == 410
    assert gone.content.decode() == "图片验证码已过期，请按新图片重新输入。"  # noqa: RUF001
    bad = client.get("/captcha/new/?scope=" + "s" * 65, **chinese)
    assert bad.json()["errmsg"] == "请求中的 scope 或 key 参数无效。"
    english = client.get(f"/captcha/{core.new_key()}.png", HTTP_ACCEPT_LANGUAGE="en")
    assert english.content.decode() == "The captcha has expired. Please try again with the new picture."


def test_rate_limit_message_is_translated(client: Client, settings: Any) -> None:
    settings.CAPTCHA_GUARD = {"STORE": {"BACKEND": "memory"}, "RATE_LIMIT": 1}
    client.get("/captcha/new/")
    limited = client.get("/captcha/new/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert limited.status_code == 429
    assert limited.json()["errmsg"] == "请求新图片过于频繁，请稍候再试。"  # noqa: RUF001
