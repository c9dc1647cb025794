"""The documentation cannot rot: every Python example runs, and the site builds without a warning.

Each ```python block of README.md and docs/*.md runs (with Sybil's MyST parsers), one
namespace per page, in order, against the real package and the test settings: an example
that names a removed function, a wrong import or a setting that no longer exists fails
here. A block that must not run (a fragment, a placeholder) is marked with
``<!-- skip: next -->`` in the page, and says why next to it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sybil import Sybil
from sybil.example import Example
from sybil.parsers.myst import PythonCodeBlockParser, SkipParser

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SYBIL = Sybil(parsers=[PythonCodeBlockParser(), SkipParser()])


def examples() -> list[Example]:
    found = []
    for page in PAGES:
        found.extend(SYBIL.parse(page))
    return found


EXAMPLES = examples()


def test_the_pages_have_examples() -> None:
    """The parser finds the blocks: without this, the test below could pass by finding none."""
    assert len([e for e in EXAMPLES if e.path.endswith("README.md")]) >= 3
    assert len([e for e in EXAMPLES if "/docs/" in e.path]) >= 10


@pytest.mark.django_db
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: f"{Path(e.path).name}:{e.line}")
def test_every_python_example_runs(example: Example) -> None:
    example.evaluate()


@pytest.mark.slow
def test_the_docs_build_without_a_warning(tmp_path: Path) -> None:
    """``sphinx-build -W``: a broken link, a missing page or a bad directive fails the build."""
    built = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(ROOT / "docs"), str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "index.html").exists()
