"""Browser contexts that record every Content-Security-Policy violation and script error."""

from __future__ import annotations

from playwright.sync_api import Browser, ConsoleMessage, Page

from tests.e2e.server import DemoServer

# Chromium reports a blocked resource as a console error; this listener adds one line per
# 'securitypolicyviolation' event, so a violation is seen whichever way it surfaces. Init
# scripts are injected by the browser itself, so the page's policy does not block this one.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


class Watch:
    """What the browser reported about the page: CSP violations and uncaught errors."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def console(self, message: ConsoleMessage) -> None:
        text = message.text
        if "Content Security Policy" in text or text.startswith("CSP violation"):
            self.problems.append(text)

    def page_error(self, error: Exception) -> None:
        self.problems.append(f"uncaught: {error}")


def new_page(browser: Browser, server: DemoServer, language: str = "en", scale: float = 1) -> tuple[Page, Watch]:
    """A page in a fresh context (its own cookies), in ``language`` from the first request.

    ``scale`` is the device pixel ratio: 2 makes a HiDPI screen.
    """
    context = browser.new_context(
        base_url=server.url, viewport={"width": 900, "height": 700}, device_scale_factor=scale
    )
    context.set_default_timeout(15_000)
    if language != "en":
        context.add_cookies([{"name": "django_language", "value": language, "url": server.url}])
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    watch = Watch()
    page.on("console", watch.console)
    page.on("pageerror", watch.page_error)
    return page, watch
