"""The built wheel carries everything the app needs, and works installed away from the source.

Builds the wheel from a copy of the source (so the shared tree gets no build/ or dist/),
checks its contents, installs it with its dependencies into a fresh virtual environment,
and renders a picture from a directory outside the source tree. Needs PyPI (or a pip
cache) for the build backend and the dependencies; marked ``slow``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "django_captcha_guard"
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
    from django_captcha_guard.glyphs import bundled_fonts

    assert "site-packages" in django_captcha_guard.__file__, django_captcha_guard.__file__
    assert len(bundled_fonts()) >= 3, bundled_fonts()
    from django_captcha_guard.conf import problems
    assert problems() == [], problems()
    picture = Image.open(io.BytesIO(image.render("AKM34", random.Random(1))))
    print(picture.format, picture.size, len(bundled_fonts()))
    """
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "setup.cfg", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(PACKAGE, source / PACKAGE.name, ignore=SKIP)
    shutil.copytree(ROOT / "fonts", source / "fonts", ignore=SKIP)
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("django_captcha_guard-*.whl")
    return built


@pytest.mark.slow
def test_the_wheel_carries_fonts_licences_templates_static_locale_and_types(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    fonts = {n for n in names if n.startswith("django_captcha_guard/fonts/") and n.endswith(".ttf")}
    assert len(fonts) >= 3
    assert {"django_captcha_guard/fonts/LICENSE-DejaVu.txt", "django_captcha_guard/fonts/LICENSE-OFL.txt"} <= names
    assert "django_captcha_guard/fonts/__init__.py" in names
    assert "django_captcha_guard/py.typed" in names
    for folder in ("templates/captcha_guard", "static/captcha_guard", "locale"):
        expected = {
            str(path.relative_to(ROOT))
            for path in (PACKAGE / folder).rglob("*")
            if path.is_file() and path.suffix in {".html", ".js", ".css", ".po", ".mo"}
        }
        assert expected <= names, expected - names
    assert not any(n.startswith(("tests/", "demo_site/")) for n in names)


@pytest.mark.slow
def test_the_installed_wheel_renders_outside_the_source_tree(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # Nothing from this checkout or this test run may leak into the fresh environment.
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "DJANGO_SETTINGS_MODULE"}}
    result = subprocess.run(
        [str(python), "-c", SCRIPT], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    bundled = len(list((ROOT / "fonts").glob("*.ttf")))
    assert result.stdout.split() == ["PNG", "(160,", "60)", str(bundled)]
