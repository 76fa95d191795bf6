"""Browser tests: a real hub in a subprocess (so a test can restart it) and Debian's
Chromium driven by Playwright's sync API, both module-scoped. Every test gets a fresh browser
context (its own cookies) and fails if the page logged an error, which includes any
Content-Security-Policy violation."""

import re

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.support import HubProcess

from .support import Rest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


# What a browser logs while the hub is down on purpose (the restart tests opt in to these).
# A shared 2-core machine can be slow; these are upper bounds for waits, not expectations.
expect.set_options(timeout=10_000)

NETWORK_ERRORS = re.compile(r"Failed to load resource|WebSocket connection to .* failed|ERR_CONNECTION_REFUSED|ERR_FAILED")


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    # A closed agent socket shows offline once the agent's heartbeat (its connect) is older
    # than the presence timeout: 2 s here rather than 90 s, so the presence tests see it.
    process = HubProcess(tmp_path_factory.mktemp("hub") / "agenthq.db", env={"AGENTHQ_PRESENCE_TIMEOUT": "2"}).start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def base(hub):
    return hub.url


@pytest.fixture(scope="module")
def rest(base):
    return Rest(base)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    page.allow_network_errors = False
    yield page
    if page.allow_network_errors:
        errors = [e for e in errors if not NETWORK_ERRORS.search(e)]
    assert errors == [], f"the page logged errors: {errors}"
