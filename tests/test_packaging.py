"""The built wheel carries everything the app needs, and works installed away from the source.

Builds the sdist and the wheel from a copy of the source (so the shared tree gets no build/ or dist/),
checks that the build prints no warning and the metadata carries an SPDX licence expression,
checks its contents, installs it with its dependencies into a fresh virtual environment,
and renders a picture, mixes a clip and translates into every shipped language from a
directory outside the source tree. Needs PyPI (or a pip cache) for the build backend and
the dependencies; marked ``slow``.
"""

from __future__ import annotations

import email
import os
import re
import shutil
import subprocess
import sys
import tarfile
import textwrap
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.utils.translation import to_language

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "django_captcha_guard"
LOCALES = sorted(path.name for path in (PACKAGE / "locale").iterdir() if path.is_dir())
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "dist")

SCRIPT = textwrap.dedent(
    """
    import io, random, sys
    import django
    from django.conf import settings

    settings.configure(SECRET_KEY="x", INSTALLED_APPS=["django_captcha_guard"], CAPTCHA_GUARD={})
    django.setup()
    from PIL import Image
    import django_captcha_guard, django_captcha_guard.fonts
    from django_captcha_guard import image
    from django_captcha_guard.render.glyphs import bundled_fonts

    assert "site-packages" in django_captcha_guard.__file__, django_captcha_guard.__file__
    assert len(bundled_fonts()) >= 3, bundled_fonts()
    from django_captcha_guard.conf import problems
    assert problems() == [], problems()
    picture = Image.open(io.BytesIO(image.render("AKM34", random.Random(1))))
    from django_captcha_guard import audio
    import wave
    clips = [wave.open(io.BytesIO(audio.mix("AKM34", random.Random(1), voice))) for voice in audio.VOICES]
    from django.utils import translation
    translated = []
    for language in sys.argv[1:]:
        with translation.override(language):
            if translation.gettext("New picture") != "New picture":
                translated.append(language)
    rates = [clip.getframerate() for clip in clips]
    print(picture.format, picture.size, len(bundled_fonts()), *rates, ",".join(translated))
    """
)


# The one line pip prints for this machine's own pip configuration (index folders that
# do not exist here); it comes from pip installing the build backend, not from the build.
PIP_LOCATION_NOTICE = re.compile(r"^WARNING: Location '.*' is ignored: it is neither a file nor a directory\.$")


@dataclass
class Build:
    wheel: Path
    sdist: Path
    output: str


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """``python -m build`` as a release would run it: the sdist, then the wheel built from it."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "setup.cfg", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(PACKAGE, source / PACKAGE.name, ignore=SKIP)
    shutil.copytree(ROOT / "fonts", source / "fonts", ignore=SKIP)
    out = tmp_path_factory.mktemp("dist")
    # PYTHONDONTWRITEBYTECODE makes setuptools warn that it skips byte-compiling; a
    # release build does not set it.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    result = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(source)],
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    (wheel,) = out.glob("django_captcha_guard-*.whl")
    (sdist,) = out.glob("django_captcha_guard-*.tar.gz")
    return Build(wheel, sdist, result.stdout + result.stderr)


@pytest.fixture(scope="module")
def wheel(build: Build) -> Path:
    return build.wheel


@pytest.mark.slow
def test_the_build_prints_no_warning(build: Build) -> None:
    lines = [line for line in build.output.splitlines() if not PIP_LOCATION_NOTICE.match(line)]
    warnings = [line for line in lines if "warning" in line.lower() or line.strip() == "!!"]
    assert warnings == [], "\n".join(warnings)


@pytest.mark.slow
def test_the_metadata_has_an_spdx_licence_and_no_licence_classifier(build: Build) -> None:
    metadata = zipfile.ZipFile(build.wheel).read(f"{build.wheel.name.split('-py3')[0]}.dist-info/METADATA")
    headers = email.message_from_bytes(metadata)
    assert headers["Metadata-Version"] >= "2.4"
    assert headers["License-Expression"] == "BSD-3-Clause AND OFL-1.1 AND Bitstream-Vera"
    assert headers.get_all("License-File") == ["LICENSE", "fonts/LICENSE-DejaVu.txt", "fonts/LICENSE-OFL.txt"]
    assert not [c for c in headers.get_all("Classifier") or [] if c.startswith("License ::")]
    with tarfile.open(build.sdist) as sdist:
        names = sdist.getnames()
    assert any(name.endswith("/setup.cfg") for name in names)
    assert any(name.endswith("/fonts/LICENSE-OFL.txt") for name in names)


@pytest.mark.slow
def test_the_wheel_carries_fonts_voices_licences_templates_static_locale_and_types(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    fonts = {n for n in names if n.startswith("django_captcha_guard/fonts/") and n.endswith(".ttf")}
    assert len(fonts) >= 3
    assert {"django_captcha_guard/fonts/LICENSE-DejaVu.txt", "django_captcha_guard/fonts/LICENSE-OFL.txt"} <= names
    assert "django_captcha_guard/fonts/__init__.py" in names
    assert "django_captcha_guard/py.typed" in names
    voices = ROOT / "django_captcha_guard" / "voices"
    clips = {str(path.relative_to(voices)) for path in voices.rglob("*.wav")}
    assert len(clips) == 2 * 52
    assert {f"django_captcha_guard/voices/{clip}" for clip in clips} <= names
    assert {"django_captcha_guard/voices/NOTICE", "django_captcha_guard/voices/__init__.py"} <= names
    for folder in ("templates/captcha_guard", "static/captcha_guard", "locale"):
        expected = {
            str(path.relative_to(ROOT))
            for path in (PACKAGE / folder).rglob("*")
            if path.is_file() and path.suffix in {".html", ".js", ".css", ".po", ".mo"}
        }
        assert expected <= names, expected - names
    # Every catalogue compiled, not only the .mo files that happen to exist in the tree.
    assert len(LOCALES) >= 9, LOCALES
    compiled = {f"django_captcha_guard/locale/{locale}/LC_MESSAGES/django.mo" for locale in LOCALES}
    assert compiled <= names, compiled - names
    assert not any(n.startswith(("tests/", "demo_site/")) for n in names)


@pytest.mark.slow
def test_the_installed_wheel_renders_and_speaks_outside_the_source_tree(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    languages = [to_language(locale) for locale in LOCALES]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # Nothing from this checkout or this test run may leak into the fresh environment.
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "DJANGO_SETTINGS_MODULE"}}
    result = subprocess.run(
        [str(python), "-c", SCRIPT, *languages], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    bundled = len(list((ROOT / "fonts").glob("*.ttf")))
    # The installed catalogues, not the checkout's, answer in every shipped language.
    assert result.stdout.split() == ["PNG", "(240,", "80)", str(bundled), "8000", "8000", ",".join(languages)]
