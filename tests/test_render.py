"""The engine on its own: no Django imported, and Options.problems() as plain data."""

from __future__ import annotations

import subprocess
import sys

from django_captcha_guard.render import Options, minimum_size


def test_the_engine_imports_no_django():
    script = (
        "import random, sys\n"
        "from django_captcha_guard.render import Options, render\n"
        "assert render('AKM3T', random.Random(1), Options())[:4] == b'\\x89PNG'\n"
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_problems_name_the_option_at_fault():
    assert Options().problems() == []
    found = Options(size=(60, 30), preset="brutal", image_format="GIF", palette=((250, 250, 250),)).problems()
    assert [problem.option for problem in found] == ["preset", "image_format", "size", "palette"]
    assert f"{minimum_size(5)[0]}x{minimum_size(5)[1]}" in found[2].hint
    assert [p.option for p in Options(alphabet="AB€").problems()] == ["alphabet"]
    assert [p.option for p in Options(fonts=("/no/such/font.ttf",)).problems()] == ["fonts"]
