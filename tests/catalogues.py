"""What makes a shipped translation catalogue complete, as a checker the i18n tests run.

A catalogue is complete when its header is filled in, every source string is in it and
translated (no empty ``msgstr``, no ``fuzzy`` guess, every plural form written), it holds
nothing the source no longer has, each translation keeps exactly the placeholders of its
``msgid`` (a dropped ``%(seconds)s`` raises ``KeyError`` at run time, a renamed one too),
and ``django.mo``, which is what Django reads, says the same as ``django.po``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from tempfile import TemporaryDirectory

import polib

import django_captcha_guard

PACKAGE = Path(django_captcha_guard.__file__).parent
LOCALE = PACKAGE / "locale"

# Django admin's own strings, in the copied admin login template, are translated by the
# admin's catalogue; ``make messages`` leaves them out of ours in the same way.
IGNORED = "templates/captcha_guard/admin/*"

# Python's %-format (named or not) and str.format fields: what gettext callers fill in.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]|\{[^{}]*\}")
NPLURALS = re.compile(r"nplurals\s*=\s*(\d+)\s*;")

Key = tuple[str | None, str]  # (msgctxt, msgid)


def key(entry: polib.POEntry | polib.MOEntry) -> Key:
    return (entry.msgctxt, entry.msgid)


def source_messages() -> set[Key]:
    """The strings the package's source marks for translation, as ``make messages`` extracts them.

    Runs Django's makemessages (xgettext, from GNU gettext) on a copy of the package, so the
    checked-in catalogues are never touched.
    """
    with TemporaryDirectory() as tmp:
        copy = Path(tmp) / PACKAGE.name
        shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "locale"))
        (copy / "locale").mkdir()
        # No project settings: makemessages configures its own, and the copy has no tests/.
        env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        subprocess.run(
            [sys.executable, "-m", "django", "makemessages", "-l", "en", "--keep-pot", "-i", IGNORED],
            cwd=copy,
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
        pot = polib.pofile(str(copy / "locale" / "django.pot"))
    return {key(entry) for entry in pot}


def placeholders(text: str) -> Counter[str]:
    return Counter(PLACEHOLDER.findall(text))


def catalogue_problems(folder: Path, source: set[Key]) -> list[str]:
    """Everything that keeps the catalogue in ``folder`` (``locale/<name>``) from being complete."""
    messages = folder / "LC_MESSAGES"
    po = polib.pofile(str(messages / "django.po"))
    problems: list[str] = []
    if po.metadata_is_fuzzy:
        problems.append("header: marked fuzzy")
    if po.metadata.get("Language") != folder.name:
        problems.append(f"header: Language is {po.metadata.get('Language')!r}, not {folder.name!r}")
    plural_forms = NPLURALS.search(po.metadata.get("Plural-Forms", ""))
    if plural_forms is None:
        problems.append("header: no Plural-Forms")
    nplurals = int(plural_forms.group(1)) if plural_forms else 0

    for entry in po.obsolete_entries():
        problems.append(f"obsolete: {entry.msgid!r}")
    live = [entry for entry in po if not entry.obsolete]
    for entry in live:
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {entry.msgid!r}")
        if entry.msgid_plural:
            forms = list(entry.msgstr_plural.values())
            if len(entry.msgstr_plural) != nplurals:
                problems.append(f"plural forms: {entry.msgid!r} has {len(entry.msgstr_plural)}, not {nplurals}")
            expected = placeholders(entry.msgid_plural)
        else:
            forms = [entry.msgstr]
            expected = placeholders(entry.msgid)
        if not all(forms):
            problems.append(f"untranslated: {entry.msgid!r}")
        for form in filter(None, forms):
            if placeholders(form) != expected:
                problems.append(f"placeholders: {entry.msgid!r} -> {form!r}")

    present = {key(entry) for entry in live}
    problems += [f"missing: {msgid!r}" for _, msgid in sorted(source - present, key=str)]
    problems += [f"not in the source: {msgid!r}" for _, msgid in sorted(present - source, key=str)]

    def translations(entries: Iterable[polib.POEntry | polib.MOEntry]) -> dict[Key, object]:
        return {
            key(entry): tuple(sorted(entry.msgstr_plural.items())) if entry.msgid_plural else entry.msgstr
            for entry in entries
            if entry.msgid
        }

    # msgfmt compiles only translated, non-fuzzy entries, so that is what the .mo must hold.
    if translations(polib.mofile(str(messages / "django.mo"))) != translations(po.translated_entries()):
        problems.append("django.mo differs from django.po: run compilemessages")
    return problems
