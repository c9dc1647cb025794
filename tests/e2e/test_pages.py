"""Every demo page: served with a strict CSP, with nothing inline that the policy would block."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

from tests.e2e.browsing import new_page
from tests.e2e.server import DemoServer

pytestmark = pytest.mark.browser

PAGES = ["/", "/login/", "/signin/", "/comments/", "/sms/", "/two/", "/ask/", "/jinja2/"]


@pytest.mark.parametrize("path", PAGES)
def test_page_has_strict_policy_and_no_inline_code(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "default-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert page.locator("script:not([src]), [style]").count() == 0
    page.wait_for_load_state("networkidle")
    assert page.evaluate("[...document.images].every(img => img.complete && img.naturalWidth > 0)")


def test_every_page_has_the_navigation_in_both_languages(page: Page) -> None:
    page.goto("/")
    assert page.locator("nav a").count() == len(PAGES)
    with page.expect_navigation():
        page.click(".language button[value='zh-hans']")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("nav a").first.inner_text() != "Overview"


def test_the_violation_watch_sees_an_inline_script(browser: Browser, demo: DemoServer) -> None:
    """Proof that the CSP assertion of every other test can fail."""
    page, watch = new_page(browser, demo)
    try:
        page.goto("/login/")
        page.evaluate("""() => {
            window.violations = 0;
            document.addEventListener("securitypolicyviolation", () => { window.violations += 1; });
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.body.append(script);
        }""")
        page.wait_for_function("() => window.violations > 0")
        assert not page.evaluate("window.injected === true")
        assert any("script-src" in problem for problem in watch.problems), watch.problems
    finally:
        page.context.close()
