"""English source strings and the shipped catalogues: complete, compiled, and chosen by the active language."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polib
import pytest
from django.conf import settings as django_settings
from django.template import RequestContext, Template
from django.test import Client, RequestFactory
from django.utils import translation

from django_captcha_guard import core
from django_captcha_guard.core import Reason
from tests.catalogues import LOCALE, Key, catalogue_problems, key, source_messages
from tests.integration import challenge, fields, wrong

pytestmark = pytest.mark.usefixtures("memory_store")

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("reason", list(Reason))
def test_every_reason_has_an_english_and_a_chinese_message(reason: Reason) -> None:
    english = core.Result(reason).message
    assert english == str(core.MESSAGES[reason]) and not CJK.search(english)
    with translation.override("zh-hans"):
        assert CJK.search(core.Result(reason).message)


def test_the_messages_users_see_most() -> None:
    with translation.override("zh-hans"):
        assert core.Result(Reason.EXPIRED).message == "图片验证码已过期，请按新图片重新输入。"
        assert core.Result(Reason.WRONG).message == "图片验证码错误，请重新输入。"
        assert core.Result(Reason.MISSING).message == "请输入图片中的字符。"


def test_accept_language_picks_the_language_of_the_endpoints(client: Client) -> None:
    chinese = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}
    gone = client.get(f"/captcha/{core.new_key()}.png", **chinese)
    assert gone.status_code == 410
    assert gone.content.decode() == "图片验证码已过期，请按新图片重新输入。"
    bad = client.get("/captcha/new/?scope=" + "s" * 65, **chinese)
    assert bad.json()["errmsg"] == "请求中的 scope 或 key 参数无效。"
    english = client.get(f"/captcha/{core.new_key()}.png", HTTP_ACCEPT_LANGUAGE="en")
    assert english.content.decode() == "The captcha has expired. Please try again with the new picture."


def test_rate_limit_message_is_translated(client: Client, settings: Any) -> None:
    settings.CAPTCHA_GUARD = {"STORE": {"BACKEND": "memory"}, "RATE_LIMIT": 1}
    client.get("/captcha/new/")
    limited = client.get("/captcha/new/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert limited.status_code == 429
    assert limited.json()["errmsg"] == "请求新图片过于频繁，请稍候再试。"


# What a visitor reads in each shipped language, written out here rather than read from the
# catalogues, so a catalogue that copies the English (or another language) fails: the
# widget's label and refresh button, the failure page's title, and the wrong-answer message.
SEEN = {
    "zh-hans": ("图片中的字符", "换一张", "图片验证码校验失败", "图片验证码错误，请重新输入。"),
    "zh-hant": ("圖片中的字元", "換一張", "驗證碼驗證失敗", "驗證碼錯誤，請重新輸入。"),
    "ja": (
        "画像の文字",
        "別の画像",
        "画像認証に失敗しました",
        "画像認証の回答が正しくありません。もう一度お試しください。",
    ),
    "ko": ("이미지 속 문자", "새 이미지", "보안문자 확인 실패", "보안문자를 잘못 입력했습니다. 다시 시도하세요."),
    "es": (
        "Caracteres de la imagen",
        "Nueva imagen",
        "La verificación CAPTCHA ha fallado",
        "La respuesta al CAPTCHA es incorrecta. Inténtelo de nuevo.",
    ),
    "fr": (
        "Caractères de l’image",
        "Nouvelle image",
        "Échec de la vérification CAPTCHA",
        "La réponse au CAPTCHA est incorrecte. Veuillez réessayer.",
    ),
    "de": (
        "Zeichen im Bild",
        "Neues Bild",
        "Captcha-Prüfung fehlgeschlagen",
        "Die Captcha-Antwort ist falsch. Bitte versuchen Sie es erneut.",
    ),
    "pt-br": (
        "Caracteres na imagem",
        "Nova imagem",
        "Falha na verificação do CAPTCHA",
        "A resposta do CAPTCHA está incorreta. Tente novamente.",
    ),
    "ru": (
        "Символы на картинке",
        "Новая картинка",
        "Проверка кода с картинки не пройдена",
        "Код с картинки введён неверно. Попробуйте ещё раз.",
    ),
}
# The Accept-Language a browser set to that language sends; Django maps it to the catalogue.
ACCEPT = {
    "zh-hans": "zh-CN,zh;q=0.9",
    "zh-hant": "zh-TW,zh;q=0.9",
    "ja": "ja-JP,ja;q=0.9",
    "ko": "ko-KR,ko;q=0.9",
    "es": "es-ES,es;q=0.9",
    "fr": "fr-FR,fr;q=0.9",
    "de": "de-DE,de;q=0.9",
    "pt-br": "pt-BR,pt;q=0.9",
    "ru": "ru-RU,ru;q=0.9",
}
SHIPPED = sorted(path.name for path in LOCALE.iterdir() if path.is_dir())


def test_the_shipped_catalogues_are_the_tested_languages() -> None:
    assert sorted(translation.to_locale(language) for language in SEEN) == SHIPPED
    assert set(SEEN) <= {code for code, _ in django_settings.LANGUAGES}


@pytest.fixture(scope="module")
def source() -> set[Key]:
    messages = source_messages()
    assert len(messages) >= 20, messages
    return messages


# Not marked slow: one xgettext run, and `make quick` is where a new string should first
# be found untranslated.
@pytest.mark.parametrize("locale", SHIPPED)
def test_every_shipped_catalogue_is_complete(locale: str, source: set[Key]) -> None:
    assert catalogue_problems(LOCALE / locale, source) == []


def _pass(po: polib.POFile, source: set[Key]) -> list[str]:
    return []


def _empty(po: polib.POFile, source: set[Key]) -> list[str]:
    po.find("New picture").msgstr = ""
    return ["untranslated: 'New picture'"]


def _fuzzy(po: polib.POFile, source: set[Key]) -> list[str]:
    po.find("New picture").flags.append("fuzzy")
    return ["fuzzy: 'New picture'"]


def _obsolete(po: polib.POFile, source: set[Key]) -> list[str]:
    po.find("New picture").obsolete = True
    source.discard((None, "New picture"))
    return ["obsolete: 'New picture'"]


def _missing(po: polib.POFile, source: set[Key]) -> list[str]:
    source.add((None, "A string added to the source"))
    return ["missing: 'A string added to the source'"]


def _stale(po: polib.POFile, source: set[Key]) -> list[str]:
    source.discard((None, "New picture"))
    return ["not in the source: 'New picture'"]


def _with(msgid: str, msgstr: str) -> Callable[[polib.POFile, set[Key]], list[str]]:
    def add(po: polib.POFile, source: set[Key]) -> list[str]:
        po.append(polib.POEntry(msgid=msgid, msgstr=msgstr, flags=["python-format"]))
        source.add((None, msgid))
        return [f"placeholders: {msgid!r} -> {msgstr!r}"]

    return add


def _plural(forms: list[str], problem: str) -> Callable[[polib.POFile, set[Key]], list[str]]:
    def add(po: polib.POFile, source: set[Key]) -> list[str]:
        entry = polib.POEntry(
            msgid="%(count)s picture", msgid_plural="%(count)s pictures", msgstr_plural=dict(enumerate(forms))
        )
        po.append(entry)
        source.add((None, entry.msgid))
        return [problem]

    return add


def _header_fuzzy(po: polib.POFile, source: set[Key]) -> list[str]:
    po.metadata_is_fuzzy = ["fuzzy"]
    return ["header: marked fuzzy"]


def _language(po: polib.POFile, source: set[Key]) -> list[str]:
    po.metadata["Language"] = "de_AT"
    return ["header: Language is 'de_AT', not 'de'"]


def _no_plural_forms(po: polib.POFile, source: set[Key]) -> list[str]:
    del po.metadata["Plural-Forms"]
    return ["header: no Plural-Forms"]


BREAKAGES = {
    "intact": _pass,
    "empty msgstr": _empty,
    "fuzzy": _fuzzy,
    "obsolete": _obsolete,
    "missing string": _missing,
    "string gone from the source": _stale,
    "placeholder dropped": _with("Wait %(seconds)s seconds.", "Bitte warten."),
    "placeholder renamed": _with("Wait %(seconds)s seconds.", "Bitte %(sekunden)s Sekunden warten."),
    "brace field dropped": _with("Wait {seconds} seconds.", "Bitte warten."),
    "a plural form short": _plural(["%(count)s Bild"], "plural forms: '%(count)s picture' has 1, not 2"),
    "a plural form without the count": _plural(
        ["ein Bild", "%(count)s Bilder"], "placeholders: '%(count)s picture' -> 'ein Bild'"
    ),
    "header fuzzy": _header_fuzzy,
    "header language": _language,
    "header plural forms": _no_plural_forms,
}


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_the_checker_catches_a_broken_catalogue(breakage: str, tmp_path: Path) -> None:
    """Each way a catalogue can be incomplete, done to a copy of a good one, is reported, and only it."""
    folder = tmp_path / "de"
    shutil.copytree(LOCALE / "de", folder)
    po = polib.pofile(str(folder / "LC_MESSAGES" / "django.po"))
    source = {key(entry) for entry in po}
    expected = BREAKAGES[breakage](po, source)
    po.save()
    po.save_as_mofile(str(folder / "LC_MESSAGES" / "django.mo"))
    assert catalogue_problems(folder, source) == expected


def test_the_checker_catches_a_mo_older_than_its_po(tmp_path: Path) -> None:
    folder = tmp_path / "de"
    shutil.copytree(LOCALE / "de", folder)
    po = polib.pofile(str(folder / "LC_MESSAGES" / "django.po"))
    source = {key(entry) for entry in po}
    po.find("New picture").msgstr = "Anderes Bild"
    po.save()
    assert catalogue_problems(folder, source) == ["django.mo differs from django.po: run compilemessages"]


def widget(language: str) -> str:
    with translation.override(language):
        return Template("{% load captcha_guard %}{% captcha %}").render(RequestContext(RequestFactory().get("/")))


@pytest.mark.parametrize("language", SEEN)
def test_the_widget_renders_in_each_language(language: str) -> None:
    label, refresh, _, _ = SEEN[language]
    html = widget(language)
    assert f">{label}</label>" in html
    assert f"data-captcha-guard-refresh hidden>{refresh}</button>" in html


def test_a_project_catalogue_rewords_a_string(tmp_path: Path, settings: Any) -> None:
    """As docs/i18n.md says: a catalogue in LOCALE_PATHS wins over the package's."""
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": "ja"}
    po.append(polib.POEntry(msgid="Characters in the picture", msgstr="画像に表示されている文字"))
    (tmp_path / "ja" / "LC_MESSAGES").mkdir(parents=True)
    po.save_as_mofile(str(tmp_path / "ja" / "LC_MESSAGES" / "django.mo"))
    settings.LOCALE_PATHS = [str(tmp_path)]
    html = widget("ja")
    assert ">画像に表示されている文字</label>" in html
    assert ">別の画像</button>" in html  # the strings the project leaves alone stay the package's


@pytest.mark.parametrize("language", SEEN)
def test_a_failed_check_answers_in_the_browsers_language(client: Client, language: str) -> None:
    _, _, title, message = SEEN[language]
    key, answer = challenge()
    page = client.post("/guarded/protected/", fields(key, wrong(answer)), HTTP_ACCEPT_LANGUAGE=ACCEPT[language])
    assert page.status_code == 403
    html = page.content.decode()
    assert f'<html lang="{language}">' in html
    assert f"<title>{title}</title>" in html
    assert f'data-captcha-guard-reason="wrong">{message}</div>' in html
    key, answer = challenge()
    script = client.post(
        "/guarded/protected/",
        fields(key, wrong(answer)),
        HTTP_ACCEPT="application/json",
        HTTP_ACCEPT_LANGUAGE=ACCEPT[language],
    )
    assert script.status_code == 400
    assert script.json()["errmsg"] == message
