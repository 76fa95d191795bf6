"""The /invite/<token> and /integrations pages over real HTTP to a real hub: odd tokens get a
page, never a 500; the form needs its XSRF token and a valid body; the invite budget per
address holds for the page as for the API; AGENTHQ_PUBLIC_URL is the host the agent is told
to connect to; a member is refused Integrations; a task's history is the caller's to read."""

import json
import logging
import urllib.parse

import pytest

from agenthq.models import Invite
from tests.test_web_hardening import Browser

API = "/api/v1"
PUBLIC = "https://hq.example.test"


@pytest.fixture
def config_overrides():
    return {"public_url": PUBLIC, "invite_address_limit": 12}


async def user_invite(api, org, email="grace@invited.test", role="member"):
    made = await api.ok("POST", f"{API}/invites/user", {"email": email, "role": role}, token=org.token, status=201)
    return made["token"]


@pytest.mark.gen_test
async def test_odd_tokens_get_a_clear_page(http_client, base_url):
    browser = Browser(http_client, base_url)
    for token in ["AHQ-nothing-here", "x" * 5000, "%00", "AHQ-%22%3E%3Cscript%3E-1", "..%2F..%2Fetc"]:
        response = await browser.fetch("/invite/" + token)
        assert response.code == 404, (token, response.code)
        assert b"This invite link is not valid" in response.body
        assert b"<script>" not in response.body
    # Not UTF-8: Tornado refuses the path before any handler runs, still as a page.
    response = await browser.fetch("/invite/%ff%fe")
    assert response.code == 400 and b"That did not work." in response.body


@pytest.mark.gen_test
async def test_agent_invite_page_names_the_public_url(api, http_client, base_url):
    org = await api.register()
    made = await api.ok("POST", f"{API}/invites/agent", {}, token=org.token, status=201)
    assert made["url"] == f"{PUBLIC}/invite/{made['token']}"
    page = (await Browser(http_client, base_url).fetch(f"/invite/{made['token']}")).body.decode()
    assert f"agenthq connect {PUBLIC}/invite/{made['token']} --name my-agent" in page
    assert f'AgentHQClient("{PUBLIC}").redeem_invite("{made["token"]}", "my-agent")' in page
    assert "claude mcp add agenthq -- agenthq mcp --agent my-agent" in page


@pytest.mark.gen_test
async def test_the_invite_form_checks_xsrf_and_its_fields(api, http_client, base_url):
    org = await api.register()
    token = await user_invite(api, org)
    browser = Browser(http_client, base_url)
    response = await browser.fetch(f"/invite/{token}", "POST", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.code == 403  # no XSRF token: refused before anything else
    await browser.fetch(f"/invite/{token}")  # the XSRF cookie
    for form, field in [({"name": "", "password": "long-enough-1"}, "name"),
                        ({"name": "Grace", "password": "short"}, "password"),
                        ({"name": "G" * 101, "password": "long-enough-1"}, "name")]:
        response = await browser.fetch(f"/invite/{token}", "POST", form=form)
        assert response.code == 400, (form, response.code)
        assert b'class="form-error"' in response.body and b'aria-invalid="true"' in response.body
        assert "ahq_session" not in browser.cookies
    # The invite is still pending after the refusals, and an agent invite's token is no user's.
    assert (await api.ok("GET", f"{API}/auth/invites/{token}"))["invite"]["status"] == "pending"
    agent_token = (await api.ok("POST", f"{API}/invites/agent", {}, token=org.token, status=201))["token"]
    response = await browser.fetch(f"/invite/{agent_token}", "POST", form={"name": "G", "password": "long-enough-1"})
    assert response.code == 400 and b"This is an invite for an agent" in response.body

    response = await browser.fetch(f"/invite/{token}", "POST", form={"name": "Grace", "password": "long-enough-1"})
    assert response.code == 302 and response.headers["Location"] == "/" and "ahq_session" in browser.cookies
    feed = await browser.fetch("/")
    assert feed.code == 200 and b"Sign out Grace" in feed.body
    # A member: no Integrations link, and a plain refusal at its address.
    assert b'href="/integrations"' not in feed.body
    refused = await browser.fetch("/integrations")
    assert refused.code == 403 and b"Only owners and admins manage integrations" in refused.body


@pytest.mark.gen_test
async def test_expired_and_revoked_links_say_so_on_get_and_post(api, http_client, base_url):
    org = await api.register()
    expired = await user_invite(api, org, "late@invited.test")
    Invite.update(expires_at="2000-01-01T00:00:00.000Z").where(Invite.email == "late@invited.test").execute()
    revoked = await user_invite(api, org, "gone@invited.test")
    listed = await api.ok("GET", f"{API}/invites?status=pending", token=org.token)
    await api.ok("POST", f"{API}/invites/{listed[0]['id']}/revoke", token=org.token)
    browser = Browser(http_client, base_url)
    for token, heading in [(expired, b"This invite has expired"), (revoked, b"This invite has been revoked")]:
        shown = await browser.fetch(f"/invite/{token}")
        assert shown.code == 410 and heading in shown.body and b'name="password"' not in shown.body
        sent = await browser.fetch(f"/invite/{token}", "POST", form={"name": "Late", "password": "long-enough-1"})
        assert sent.code == 410 and heading in sent.body and "ahq_session" not in browser.cookies


@pytest.mark.gen_test
async def test_the_page_spends_the_invite_budget_of_its_address(api, http_client, base_url):
    org = await api.register()
    token = await user_invite(api, org)
    browser = Browser(http_client, base_url)
    codes = [(await browser.fetch(f"/invite/{token}")).code for _ in range(13)]
    assert codes == [200] * 12 + [429]
    limited = await browser.fetch(f"/invite/{token}")
    assert limited.code == 429 and "Retry-After" in limited.headers


@pytest.mark.gen_test
async def test_admins_see_integrations_and_task_history_is_guarded(api, http_client, base_url):
    browser = Browser(http_client, base_url)
    await browser.sign_up(1)
    page = await browser.fetch("/integrations")
    assert page.code == 200 and b'href="/integrations" aria-current="page"' in page.body
    for path in ["/ui/tasks/nope/history", "/ui/tasks/" + urllib.parse.quote("\x00") + "/history",
                 "/ui/tasks/01ARZ3NDEKTSV4RRFFQ69G5FAV/history"]:
        response = await browser.fetch(path)
        assert response.code == 404 and response.body == b'{"error": "Task not found"}', (path, response.body)
    response = await Browser(http_client, base_url).fetch("/ui/tasks/nope/history")
    assert response.code == 401

    # The history itself, read from the event log (json_text, so both databases' dialects).
    token = json.loads((await browser.token()).body)["accessToken"]
    task = await api.ok("POST", f"{API}/tasks", {"title": "Ship"}, token=token, status=201)
    agent = await api.ok("POST", f"{API}/auth/agents/register", {"name": "worker"}, token=token, status=201)
    await api.ok("POST", f"{API}/tasks/{task['id']}/claim", {"lease_seconds": 60}, token=agent["apiKey"])
    await api.ok("POST", f"{API}/tasks", {"title": "Other"}, token=token, status=201)
    history = json.loads((await browser.fetch(f"/ui/tasks/{task['id']}/history")).body)
    assert [(e["type"], e["text"]) for e in history["entries"]] == [
        ("task.created", "Created by Ada"), ("task.claimed", "Claimed by worker with a 60 s lease")]


@pytest.mark.gen_test
async def test_tokens_in_paths_stay_out_of_the_access_log(api, http_client, base_url, caplog):
    org = await api.register()
    invite = await user_invite(api, org, "logged@invited.test")
    hook = await api.ok("POST", f"{API}/incoming-webhooks", {"name": "ci", "channel_id": await org.channel_id()},
                        token=org.token, status=201)
    browser = Browser(http_client, base_url)
    with caplog.at_level(logging.INFO, logger="agenthq.access"):
        await browser.fetch(f"/invite/{invite}")
        await api.ok("GET", f"{API}/auth/invites/{invite}")
        await api.ok("POST", f"/hooks/{hook['token']}", {"text": "deploy done"})
        await api.error("POST", f"{API}/auth/invites/redeem", {"token": invite, "agentName": "x"},
                        code="INVALID_INVITE_TYPE", status=400)
    text = caplog.text
    assert invite not in text and hook["token"] not in text
    for line in ["GET /invite/[token] 200", "GET /api/v1/auth/invites/[token] 200", "POST /hooks/[token] 200",
                 "POST /api/v1/auth/invites/redeem 400"]:
        assert line in text, (line, text)
