"""axe-core (the npm package, pinned in tests/e2e/axe/package.json) run inside a Playwright page.

The source is added as an init script, which the browser injects itself, so the demo's
strict CSP (no inline script, no eval) neither blocks axe nor has to be loosened for it.
When ``node_modules`` is missing the first use runs ``npm ci``, so CI installs it itself.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

FOLDER = Path(__file__).resolve().parent / "axe"
SOURCE = FOLDER / "node_modules" / "axe-core" / "axe.min.js"
# Every WCAG 2.0, 2.1 and 2.2 success criterion at levels A and AA that axe can test.
RESULTS: list[str] = []  # one line a page audited with a label, printed after the run
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


@functools.cache
def source() -> str:
    if not SOURCE.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is needed to install axe-core for the accessibility tests (apt-get install npm).")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=FOLDER, check=True, timeout=300)
    return SOURCE.read_text()


def version() -> str:
    return str(json.loads((SOURCE.parent / "package.json").read_text())["version"])


def prepare(page: Page) -> None:
    """Make ``axe`` available on every page this page's context loads from now on."""
    page.context.add_init_script(script=source())


def audit(page: Page, label: str = "", exclude: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """axe's WCAG 2.2 AA violations on the loaded page (but for ``exclude``), short enough to read.

    With a ``label`` the rule counts are kept for the summary printed after the run (the
    figures docs/accessibility.md quotes).
    """
    result: dict[str, Any] = page.evaluate(
        """([exclude, tags]) => axe
            .run({include: [["html"]], exclude: exclude.map((s) => [s])}, {runOnly: {type: "tag", values: tags}})
            .then((r) => ({violations: r.violations, passes: r.passes.length, incomplete: r.incomplete.length}))""",
        [list(exclude), WCAG_22_AA],
    )
    found = [
        {"id": v["id"], "impact": v["impact"], "targets": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]
    if label:
        counts = f"{len(found)} violations, {result['passes']} rules passed, {result['incomplete']} to review"
        RESULTS.append(f"{label}: {counts}")
    return found
