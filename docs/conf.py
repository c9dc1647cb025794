"""Sphinx configuration: the pages are MyST Markdown, built with ``sphinx-build -W`` in CI."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from django_captcha_guard import __version__  # noqa: E402

project = "django-captcha-guard"
author = "django-captcha-guard contributors"
copyright = "2026, django-captcha-guard contributors"
release = __version__

extensions = ["myst_parser"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build", "images/README.md"]
html_theme = "furo"
html_title = "django-captcha-guard"
html_static_path: list[str] = []
# The README and CHANGELOG live at the top of the repository and are included from there.
suppress_warnings = ["myst.header"]
