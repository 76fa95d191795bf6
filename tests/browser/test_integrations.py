"""The Integrations page and the invite page in a real browser: an owner adds an outgoing
webhook to a real local receiver and sees its delivery, adds an incoming hook whose curl
example posts, invites a person who joins through /invite/<token> and lands in the feed (a
member: no Integrations for them), and an agent invite shows how to connect, and works."""

import asyncio
import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
import threading

import pytest
from playwright.sync_api import expect

from tests.support import HubProcess, Receiver, rest_call

from .support import PASSWORD, forgive, sign_up
from .test_pages import replay_curl

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    # Receivers listen on 127.0.0.1, which the SSRF guard refuses unless told otherwise; the
    # invite budget per address is raised because every request here comes from 127.0.0.1.
    env = {"AGENTHQ_WEBHOOK_ALLOW_PRIVATE": "1", "AGENTHQ_INVITE_ADDRESS_LIMIT": "1000"}
    process = HubProcess(tmp_path_factory.mktemp("hub") / "agenthq.db", env=env).start()
    yield process
    process.stop()


class ThreadedReceiver:
    """tests/support/receiver.py's Receiver on an event loop of its own thread: the browser
    tests are synchronous."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.receiver = self._run(self._make)
        self.url = self.receiver.url

    @staticmethod
    async def _make():
        return Receiver()

    def _run(self, start, timeout=30):
        return asyncio.run_coroutine_threadsafe(start(), self.loop).result(timeout)

    def wait_for(self, count):
        return self._run(lambda: self.receiver.wait_for(count, timeout=25))

    def close(self):
        self.loop.call_soon_threadsafe(self.receiver.stop)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture
def receiver():
    found = ThreadedReceiver()
    yield found
    found.close()


def shown_once(page):
    """What the shown-once panel holds, once the REST answer has put it there."""
    expect(page.locator("#secret-value")).not_to_have_value("")
    return page.locator("#secret-value").input_value()


def accept_dialogs(page):
    page.on("dialog", lambda dialog: dialog.accept())


def test_owner_adds_a_webhook_and_sees_its_delivery(page, base, receiver):
    person = sign_up(page, base)
    accept_dialogs(page)
    page.get_by_role("link", name="Integrations").click()
    expect(page.get_by_role("heading", name="Integrations", exact=True)).to_be_visible()

    form = page.locator("#webhook-form")
    form.get_by_label("Receiver URL").fill("ftp://files.example.test/in")
    form.get_by_role("button", name="Add webhook").click()
    expect(form.get_by_role("alert")).to_have_text("Pick at least one event (or All events).")
    form.get_by_label("post.created").check()
    form.get_by_role("button", name="Add webhook").click()
    expect(form.get_by_role("alert")).to_contain_text("url")  # the API's VALIDATION_ERROR, as it words it
    forgive(page, "status of 400")
    form.get_by_label("Receiver URL").fill(receiver.url)
    form.get_by_role("button", name="Add webhook").click()
    panel = page.locator("#secret-panel")
    expect(panel).to_be_visible()
    secret = shown_once(page)
    assert secret.startswith("whsec_"), secret
    item = page.locator("#webhook-list li[data-webhook-id]")
    expect(item.locator(".hook-url")).to_have_text(receiver.url)
    expect(item.locator(".state")).to_have_text("active")
    page.get_by_role("button", name="I saved it").click()
    expect(panel).to_be_hidden()
    assert page.locator("#secret-value").input_value() == ""  # gone from the page

    # A post in #general is delivered, signed with the secret the page showed once.
    post = person.post("shipped v2")
    headers, body, _ = receiver.wait_for(1)[0]
    assert headers["X-Agenthq-Event"] == "post.created"
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Agenthq-Signature"], expected)
    assert json.loads(body)["data"]["id"] == post["id"]

    # The delivery log on the page: status, attempts and the receiver's answer.
    item.get_by_role("button", name=f"Deliveries of {receiver.url}").click()
    row = item.locator("tr[data-delivery-id]").first
    expect(row.locator(".status")).to_have_text("delivered")
    expect(row.locator(".event")).to_have_text("post.created")
    expect(row.locator(".attempts")).to_have_text("1")
    expect(row.locator(".code")).to_have_text("200")

    # A test ping, then pause and resume.
    item.get_by_role("button", name=f"Send a test to {receiver.url}").click()
    expect(item.locator(".test-result")).to_have_text(re.compile(r"Test delivered: HTTP 200 in \d+ ms"))
    expect(item.locator("tr[data-delivery-id] .event").first).to_have_text("test")
    item.get_by_role("button", name=f"Pause webhook {receiver.url}").click()
    expect(item.locator(".state")).to_have_text("paused")
    assert person.rest.ok("GET", "/webhooks", token=person.token)[0]["active"] is False

    item.get_by_role("button", name=f"Delete webhook {receiver.url}").click()
    expect(page.locator("#webhook-list")).to_have_text("No outgoing webhooks yet.")
    assert person.rest.ok("GET", "/webhooks", token=person.token) == []


def test_incoming_hook_url_is_shown_once_and_its_curl_example_posts(page, base):
    person = sign_up(page, base)
    accept_dialogs(page)
    page.goto(base + "/integrations")
    form = page.locator("#incoming-form")
    form.get_by_label("Hook name").fill("ci")
    form.get_by_label("Posts to").select_option(label="#updates")
    form.get_by_role("button", name="Add incoming webhook").click()
    url = shown_once(page)
    assert re.fullmatch(re.escape(base) + r"/hooks/[A-Za-z0-9]{43}", url), url
    posted = replay_curl(page.locator("#secret-snippet").text_content())
    assert (posted["content"], posted["channel_id"], posted["author_type"]) == (
        "deploy done", person.channel_id("updates"), "integration")
    item = page.locator("#incoming-list li[data-hook-id]")
    expect(item.locator(".hook-name")).to_have_text("ci")
    expect(item).to_contain_text("#updates")

    # Names and URLs are text, never markup (a CSP violation or a script would fail the test).
    hostile = '<img src=x onerror="document.title=1">'
    person.rest.ok("POST", "/incoming-webhooks", {"name": hostile, "channel_id": person.channel_id()}, token=person.token)
    person.rest.ok("POST", "/webhooks", {"url": "http://127.0.0.1:9/" + hostile, "events": ["*"]}, token=person.token)
    page.reload()
    expect(page.locator("#incoming-list .hook-name").first).to_have_text(hostile)
    expect(page.locator("#webhook-list .hook-url")).to_have_text("http://127.0.0.1:9/" + hostile)
    expect(page.locator("#webhook-list .events")).to_have_text("Events: *")
    assert page.locator("#main img").count() == 0

    item = page.locator("#incoming-list li[data-hook-id]", has_text="ci")
    item.get_by_role("button", name="Delete incoming webhook ci").click()
    expect(page.locator("#incoming-list li[data-hook-id]")).to_have_count(1)
    status, _ = rest_call(base, "POST", "/hooks/" + url.rsplit("/", 1)[1], {"text": "again"})
    assert status == 404


def test_invited_person_joins_lands_in_the_feed_and_cannot_open_integrations(page, base, browser):
    owner = sign_up(page, base, org_name="Invitees Inc")
    page.goto(base + "/integrations")
    email = f"grace-{owner.org_slug}@example.test"
    form = page.locator("#user-invite-form")
    form.get_by_label("Email").fill(email)
    form.get_by_role("button", name="Invite a person").click()
    url = shown_once(page)
    assert re.fullmatch(re.escape(base) + r"/invite/AHQ-[A-Za-z0-9]{10}-[A-Za-z0-9]{12}", url), url
    row = page.locator("#invite-list tr[data-invite-id]")
    expect(row.locator(".status")).to_have_text("pending")
    expect(row.locator(".for")).to_have_text(f"{email} (member)")

    # Someone else, in a browser of their own, opens the link.
    guest_context = browser.new_context()
    guest = guest_context.new_page()
    guest_errors = []
    guest.on("pageerror", lambda error: guest_errors.append(str(error)))
    try:
        guest.goto(url)
        expect(guest.get_by_role("heading", name="Join Invitees Inc")).to_be_visible()
        expect(guest.get_by_label("Email")).to_have_value(email)
        guest.get_by_label("Your name").fill("Grace Hopper")
        guest.get_by_label("Password").fill(PASSWORD)
        guest.get_by_role("button", name="Join Invitees Inc").click()
        guest.wait_for_url(base + "/")
        expect(guest.get_by_role("button", name="Sign out Grace Hopper")).to_be_visible()
        expect(guest.locator("#connection")).to_have_text("Live")

        # A member: no Integrations link, and the page refuses them plainly.
        expect(guest.get_by_role("navigation", name="Main").get_by_role("link", name="Tasks")).to_be_visible()
        expect(guest.get_by_role("link", name="Integrations")).to_have_count(0)
        response = guest.goto(base + "/integrations")
        assert response.status == 403
        expect(guest.get_by_role("alert")).to_have_text(re.compile("Only owners and admins manage integrations"))

        # The link is spent: a clear page, not an error.
        response = guest.goto(url)
        assert response.status == 409
        expect(guest.get_by_role("heading", name="This invite has already been used")).to_be_visible()
        expect(guest.locator("form[action^='/invite/']")).to_have_count(0)
    finally:
        guest_context.close()
    assert guest_errors == []

    # The new account signs in with the password it chose; the owner's list says redeemed.
    login = owner.rest.ok("POST", "/auth/login", {"email": email, "password": PASSWORD})
    assert (login["user"]["name"], login["user"]["role"]) == ("Grace Hopper", "member")
    page.reload()
    expect(row.locator(".status")).to_have_text("redeemed")
    expect(row.get_by_role("button", name=re.compile("Revoke"))).to_have_count(0)


def test_agent_invite_page_shows_the_three_ways_to_connect_and_the_cli_line_works(page, base, tmp_path):
    owner = sign_up(page, base)
    accept_dialogs(page)
    page.goto(base + "/integrations")
    page.get_by_role("button", name="Invite an agent").click()
    url = shown_once(page)
    token = url.rsplit("/", 1)[1]
    expect(page.locator("#secret-snippet")).to_have_text(f"agenthq connect {url}")

    page.goto(url)
    expect(page.get_by_role("heading", name=re.compile("Connect an agent to"))).to_be_visible()
    cli = page.locator("#connect-cli").text_content()
    assert cli == f"agenthq connect {url} --name my-agent"
    expect(page.locator("#connect-sdk")).to_contain_text(f'AgentHQClient("{base}").redeem_invite("{token}", "my-agent")')
    expect(page.locator("#connect-mcp")).to_have_text("claude mcp add agenthq -- agenthq mcp --agent my-agent")

    # The command line as shown joins the organization.
    environ = {k: v for k, v in os.environ.items() if not k.startswith("AGENTHQ_")}
    environ.update(NO_COLOR="1", AGENTHQ_CONFIG=str(tmp_path / "config.json"))
    done = subprocess.run([sys.executable, "-m", "agenthq", *cli.split()[1:]], capture_output=True, text=True,
                          env=environ, timeout=60)
    assert done.returncode == 0, (done.stdout, done.stderr)
    names = [a["name"] for a in owner.rest.ok("GET", "/agents", token=owner.token)]
    assert names == ["my-agent"]

    # Used, revoked and unknown links each get a clear page.
    response = page.goto(url)
    assert response.status == 409
    expect(page.get_by_role("heading", name="This invite has already been used")).to_be_visible()
    page.goto(base + "/integrations")
    page.get_by_role("button", name="Invite an agent").click()
    second = shown_once(page)
    page.locator("#invite-list tr[data-invite-id]").filter(has_text="pending").get_by_role("button", name="Revoke the agent invite").click()
    expect(page.locator("#invite-list .status")).to_have_text(["revoked", "redeemed"])
    response = page.goto(second)
    assert response.status == 410
    expect(page.get_by_role("heading", name="This invite has been revoked")).to_be_visible()
    response = page.goto(base + "/invite/AHQ-nothing-here")
    assert response.status == 404
    expect(page.get_by_role("heading", name="This invite link is not valid")).to_be_visible()
    forgive(page, "status of 4")
