"""The agents, activity and search pages, and what every page promises: security headers,
XSRF, a cookie no script can read, no token kept in storage, phone width, dark mode and
accessible names."""

import json
import re
import shlex
import subprocess
import sys
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.support import ROOT

from .support import AgentSocket, Rest, forgive, sign_up

pytestmark = pytest.mark.browser


def replay_curl(snippet):
    """Send the request a curl command line describes (curl itself may not be installed)."""
    words = [w for w in shlex.split(snippet) if w != "\n"]
    assert words[0] == "curl", words
    method, url, headers, body = "GET", None, {}, None
    args = iter(words[1:])
    for word in args:
        if word == "-s":  # silent: no progress meter
            continue
        if word == "-w":  # what to write after the answer (a newline)
            next(args)
        elif word == "-X":
            method = next(args)
        elif word == "-H":
            name, _, value = next(args).partition(":")
            headers[name.strip()] = value.strip()
        elif word == "-d":
            body = next(args).encode()
        else:
            url = word
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["data"]


def test_register_agent_shows_key_once_with_working_snippets(page, base, context):
    person = sign_up(page, base)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("link", name="Agents").click()
    page.get_by_label("Name", exact=True).fill("deploy-bot")
    page.get_by_label("Description", exact=True).fill("Ships releases")
    page.get_by_label("Capabilities", exact=True).fill("deploy, rollback")
    page.get_by_role("button", name="Register agent").click()

    panel = page.locator("#key-panel")
    expect(panel).to_be_visible()
    key = page.get_by_role("textbox", name="API key").input_value()
    assert key.startswith("ahq_")
    page.get_by_role("button", name="Copy key").click()
    expect(panel.get_by_role("status")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == key

    curl = page.locator("#snippet-curl").inner_text()
    python = page.locator("#snippet-python").inner_text()
    assert key in curl and key in python and person.channel_id("general") in curl
    assert "AgentHQClient" in python and "create_post" in python

    card = page.locator(".agent-card", has_text="deploy-bot")
    expect(card.locator(".chips li")).to_have_text(["deploy", "rollback"])
    expect(card.locator(".description")).to_have_text("Ships releases")
    expect(card.locator(".status-text")).to_have_text("offline")

    # Both snippets work as shown: their posts reach the feed.
    assert replay_curl(curl)["content"] == "Hello from deploy-bot!"
    result = subprocess.run([sys.executable, "-c", python], capture_output=True, text=True, timeout=30, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    page.get_by_role("link", name="Channels").click()
    expect(page.locator("article.post", has_text="Hello from deploy-bot!")).to_have_count(2)

    # Shown once: after a reload the page has no key to show.
    page.goto(base + "/agents")
    expect(panel).to_be_hidden()
    assert key not in page.content()

    # Rotate: a new key is shown and the old one stops working.
    page.once("dialog", lambda dialog: dialog.accept())
    card.get_by_role("button", name="Rotate key of deploy-bot").click()
    expect(panel).to_be_visible()
    new_key = page.get_by_role("textbox", name="API key").input_value()
    assert new_key.startswith("ahq_") and new_key != key
    assert Rest(base).call("GET", "/auth/me", token=key)[0] == 401
    assert Rest(base).call("GET", "/auth/me", token=new_key)[0] == 200
    page.get_by_role("button", name="I saved it").click()
    expect(panel).to_be_hidden()
    expect(page.locator("#api-key")).to_have_value("")

    # Presence shows on the agents page too.
    socket = AgentSocket(base, new_key)
    try:
        expect(card.locator(".status-text")).to_have_text("online")
        expect(card.locator(".last-seen")).to_have_text("just now")
    finally:
        socket.close()
    expect(card.locator(".status-text")).to_have_text("offline")

    # Delete: gone from the page and the key is dead.
    page.once("dialog", lambda dialog: dialog.accept())
    card.get_by_role("button", name="Delete deploy-bot").click()
    expect(card).to_have_count(0)
    assert Rest(base).call("GET", "/auth/me", token=new_key)[0] == 401
    page.reload()
    expect(page.locator(".agent-card", has_text="deploy-bot")).to_have_count(0)


def test_activity_page_filters_by_actor_and_action(page, base):
    person = sign_up(page, base, name="Auditor")
    agent, key = person.agent("auditee")
    person.post("by the agent", token=key)
    person.post("by the person")
    page.goto(base + "/activity")
    rows = page.locator("table.activity tbody tr")
    expect(rows.filter(has_text="agent.registered")).to_have_count(1)
    expect(rows.filter(has_text="post.created")).to_have_count(2)

    page.get_by_label("Action").select_option("post.created")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="agent.registered")).to_have_count(0)

    page.get_by_label("Actor").select_option(label="auditee (agent)")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("auditee")
    assert "actor_id=" + agent["id"] in page.url

    page.get_by_role("link", name="Clear").click()
    expect(rows.filter(has_text="org.created")).to_have_count(1)


def test_search_box_finds_posts(page, base):
    person = sign_up(page, base)
    person.post("The **flux capacitor** needs 1.21 gigawatts", type="insight")
    person.post("unrelated chatter")
    search = page.get_by_role("combobox", name="Search")
    search.fill("capacitor gigawatts")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=capacitor\+gigawatts"))
    results = page.locator("article.post")
    expect(results).to_have_count(1)
    expect(results.first.locator("strong")).to_have_text("flux capacitor")
    expect(results.first.get_by_role("link", name="#general")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="result")).to_have_text("1 result for “capacitor gigawatts”")
    expect(search).to_have_value("capacitor gigawatts")

    search.fill("nothing-matches-this")
    search.press("Enter")
    expect(results).to_have_count(0)


def test_security_headers_cookie_and_xsrf(page, base, context):
    sign_up(page, base)
    response = page.goto(base + "/")
    headers = response.headers
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"
    assert "no-store" in headers["cache-control"]
    assert page.locator("script:not([src])").count() == 0  # nothing inline for the CSP to allow

    session = next(c for c in context.cookies() if c["name"] == "ahq_session")
    assert session["httpOnly"] and session["sameSite"] == "Lax"
    assert "ahq_session" not in page.evaluate("document.cookie")

    # The page's token lives in memory only: nothing in web storage looks like a credential.
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    stored = page.evaluate("JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])")
    assert "eyJ" not in stored and "ahq_" not in stored

    # The token exchange and every page form need the XSRF token, not just the cookie.
    assert page.request.post(base + "/ui/token").status == 403
    assert page.request.post(base + "/signout").status == 403
    xsrf = page.locator('meta[name="xsrf-token"]').get_attribute("content")
    token = page.request.post(base + "/ui/token", headers={"X-XSRFToken": xsrf})
    assert token.status == 200 and token.json()["expiresIn"] > 0
    assert Rest(base).call("GET", "/auth/me", token=token.json()["accessToken"])[0] == 200

    # Without a session there is no token to get.
    context.clear_cookies()
    assert page.request.post(base + "/ui/token", headers={"X-XSRFToken": xsrf}).status in (401, 403)


def test_sign_in_refuses_an_offsite_next(page, base):
    person = sign_up(page, base)
    page.get_by_role("button", name="Sign out").click()
    page.goto(base + "/signin?next=//evil.example/")
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(base + "/")


def test_phone_width(page, base):
    page.set_viewport_size({"width": 375, "height": 740})
    person = sign_up(page, base)
    person.post("A long line without spaces: " + "x" * 300)
    page.reload()
    expect(page.locator("article.post")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
    sidebar = page.locator("#sidebar")
    toggle = page.get_by_role("button", name="Channels and agents")
    expect(sidebar).not_to_be_in_viewport()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(sidebar).to_be_in_viewport()
    page.keyboard.press("Escape")
    expect(sidebar).not_to_be_in_viewport()
    page.get_by_label("Message #general").fill("from my phone")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("article.post", has_text="from my phone")).to_be_visible()


def test_dark_mode_follows_the_system(browser, base):
    context = browser.new_context(color_scheme="dark")
    try:
        page = context.new_page()
        sign_up(page, base)
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        red, green, blue = map(int, re.findall(r"\d+", background)[:3])
        assert red + green + blue < 150, background
    finally:
        context.close()


# Interactive elements and how to find their accessible name the way assistive technology does.
ACCESSIBLE_NAMES = """() => {
  const visible = (el) => el.offsetParent !== null || getComputedStyle(el).position === 'fixed';
  const nameOf = (el) => {
    if (el.getAttribute('aria-label')) return el.getAttribute('aria-label');
    if (el.getAttribute('aria-labelledby')) return document.getElementById(el.getAttribute('aria-labelledby'))?.textContent;
    if (el.labels && el.labels.length) return [...el.labels].map((l) => l.textContent).join(' ');
    if (el.tagName === 'INPUT' && el.type === 'hidden') return 'hidden';
    return el.textContent || el.title;
  };
  return [...document.querySelectorAll('a, button, input, select, textarea, summary')]
    .filter((el) => el.type !== 'hidden' && visible(el) && !(nameOf(el) || '').trim())
    .map((el) => el.outerHTML.slice(0, 120));
}"""


def test_every_control_has_an_accessible_name(page, base):
    person = sign_up(page, base)
    person.agent("named-bot")
    person.post("a post of mine")
    for path in ("/", "/agents", "/activity", "/search?q=post"):
        page.goto(base + path)
        unnamed = page.evaluate(ACCESSIBLE_NAMES)
        assert unnamed == [], (path, unnamed)
    # The landmarks a screen reader jumps between are there.
    page.goto(base + "/")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.get_by_role("search")).to_be_visible()
    expect(page.get_by_role("feed")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Live")).to_be_visible()


def test_unknown_channel_is_a_friendly_404(page, base):
    sign_up(page, base)
    response = page.goto(base + "/c/01ARZ3NDEKTSV4RRFFQ69G5FAV")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    forgive(page, "status of 404")


def test_the_screenshot_script_still_works(tmp_path, browser):
    """docs/screenshot.png is made by tests/browser/screenshot.py; keep that script working."""
    from .screenshot import make

    out = make(tmp_path / "feed.png", browser)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_sign_in_form_has_the_apis_failed_sign_in_limit(page, base):
    person = sign_up(page, base)
    page.get_by_role("button", name="Sign out").click()
    xsrf = page.locator('meta[name="xsrf-token"]').get_attribute("content")
    guess = {"_xsrf": xsrf, "email": person.email, "password": "a-wrong-guess"}
    statuses = [page.request.post(base + "/signin", form=guess).status for _ in range(10)]
    assert statuses == [401] * 10
    # Blocked now, even with the right password: the form is no side door for guessing.
    blocked = page.request.post(base + "/signin", form={**guess, "password": "correct-horse-battery"})
    assert blocked.status == 429 and "Too many failed sign-ins" in blocked.text()
    assert int(blocked.headers["retry-after"]) > 0
