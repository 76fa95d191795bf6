"""The routes added after §6 (reactions, notifications, tasks, DMs, invites, insights, search,
feed, edit history), called as the original clients call them and read as they read them.
Each test names the original's file (Gahroot/AgentHQ, under packages/) whose requests and
fields it copies; docs/compatibility.md has the run of the real clients these come from."""

import re

import pytest

from tests.support import nothing_more, open_ws, subscribe

API = "/api/v1"
# What Go's time.Time accepts when the CLI decodes a task (RFC 3339): a date alone fails.
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
# The Go client's request: JSON content type on every call, and no body at all when it has none.
GO_HEADERS = {"Content-Type": "application/json"}


async def go_call(api, method, path, token):
    """A request as internal/common/client/client.go sends one without a body."""
    _, payload = await api.call(method, path, token=token, headers=GO_HEADERS)
    assert payload["success"] is True, payload
    return payload["data"]


@pytest.mark.gen_test
async def test_reactions_as_the_cli_and_sdk_send_and_read_them(api):
    org = await api.register()
    _, key = await org.agent("scout")
    post = await org.post("ship it")
    # cli/internal/cli/commands/post.go `reaction add` prints the reaction's `id`;
    # sdk/src/client.ts addReaction reads `emoji`.
    added = await api.ok("POST", f"{API}/posts/{post['id']}/reactions", {"emoji": "+1"}, token=key, status=201)
    assert isinstance(added["id"], str) and added["emoji"] == "+1"
    # `reaction list` decodes [{emoji, count int}]; the SDK's ReactionSummary adds authors [{id, type}].
    listed = await api.ok("GET", f"{API}/posts/{post['id']}/reactions", token=org.token)
    assert listed == [{"emoji": "+1", "count": 1, "authors": [{"id": added["author_id"], "type": "agent"}]}]
    # The Go CLI puts the emoji in the path unescaped ("+" stays "+"); the SDK encodes it.
    assert await go_call(api, "DELETE", f"{API}/posts/{post['id']}/reactions/+1", key) == {"removed": True}
    await api.ok("POST", f"{API}/posts/{post['id']}/reactions", {"emoji": "🚀"}, token=key, status=201)
    removed = await api.ok("DELETE", f"{API}/posts/{post['id']}/reactions/%F0%9F%9A%80", token=key)
    assert removed == {"removed": True}
    assert await api.ok("GET", f"{API}/posts/{post['id']}/reactions", token=org.token) == []


@pytest.mark.gen_test
async def test_notifications_with_the_bodiless_calls_of_the_clients(api):
    org = await api.register()
    scout, key = await org.agent("scout")
    await org.post("@scout one")
    await org.post("@scout two")
    # cli/.../notifications.go `list --read false`: {id, type, read bool, title, body, created_at},
    # then `pagination.hasMore` and `total`; the SDK's hub_notifications sends read=false too.
    listed = await go_call(api, "GET", f"{API}/notifications?read=false&page=1&limit=1", key)
    _, page = await api.call("GET", f"{API}/notifications?read=false&limit=1", token=key)
    assert page["pagination"] == {"page": 1, "limit": 1, "total": 2, "hasMore": True}
    note = listed[0]
    assert note["read"] is False and note["type"] == "mention" and note["recipient_id"] == scout["id"]
    assert all(isinstance(note[k], str) for k in ("id", "title", "body", "created_at"))
    # `unread` decodes {count int}.
    assert await go_call(api, "GET", f"{API}/notifications/unread-count", key) == {"count": 2}
    # `read <id>` is a PATCH and `read-all` a POST, both with a JSON content type and no body
    # (the SDK's markNotificationRead and markAllNotificationsRead send none either).
    read = await go_call(api, "PATCH", f"{API}/notifications/{note['id']}/read", key)
    assert read["id"] == note["id"] and read["read"] is True
    everything = await go_call(api, "POST", f"{API}/notifications/read-all", key)
    assert everything["updated"] == 1
    assert await go_call(api, "GET", f"{API}/notifications/unread-count", key) == {"count": 0}


@pytest.mark.gen_test
async def test_tasks_as_the_go_cli_sends_and_decodes_them(api):
    org = await api.register()
    scout, key = await org.agent("scout")
    general = await org.channel_id()
    # cli/.../tasks.go sends `channel` (not channel_id) and the --due-date the user typed;
    # it decodes due_date, created_at and completed_at into time.Time.
    body = {"title": "Ship it", "priority": "high", "assigned_to": scout["id"], "assigned_type": "agent",
            "channel": "general", "due_date": "2030-01-02"}
    task = await api.ok("POST", f"{API}/tasks", body, token=org.token, status=201)
    assert task["channel_id"] == general and task["status"] == "open" and task["assigned_to"] == scout["id"]
    assert RFC3339.match(task["due_date"]) and task["due_date"].startswith("2030-01-02T")
    assert RFC3339.match(task["created_at"]) and task["completed_at"] is None
    listed = await go_call(api, "GET", f"{API}/tasks?status=open&priority=high&assigned_to={scout['id']}"
                           "&channel=general", key)
    assert [t["id"] for t in listed] == [task["id"]]
    changed = await api.ok("PATCH", f"{API}/tasks/{task['id']}",
                           {"status": "completed", "channel": "#updates", "due_date": "2031-01-01T00:00:00Z"},
                           token=key)
    assert changed["channel_id"] == await org.channel_id("updates")
    assert RFC3339.match(changed["completed_at"]) and RFC3339.match(changed["due_date"])
    assert await go_call(api, "DELETE", f"{API}/tasks/{task['id']}", org.token) == {"deleted": True}


@pytest.mark.gen_test
async def test_dms_as_the_cli_lists_them(api):
    org = await api.register()
    scout, key = await org.agent("scout")
    # cli/.../dm.go `start` posts {member_id, member_type} and prints {id, name};
    # sdk/src/client.ts findOrCreateDM sends the same and reads a Channel.
    started = await api.ok("POST", f"{API}/dm", {"member_id": scout["id"], "member_type": "agent"},
                           token=org.token, status=201)
    assert started["type"] == "dm" and isinstance(started["name"], str)
    again = await api.ok("POST", f"{API}/dm", {"member_id": scout["id"], "member_type": "agent"}, token=org.token)
    assert again["id"] == started["id"]
    # `dm list` decodes {id, name, member_id, member_type}: the other member, from each side.
    [mine] = await go_call(api, "GET", f"{API}/dm", org.token)
    assert (mine["id"], mine["member_id"], mine["member_type"]) == (started["id"], scout["id"], "agent")
    [theirs] = await go_call(api, "GET", f"{API}/dm", key)
    assert (theirs["member_id"], theirs["member_type"]) == (org.owner["id"], "user")


@pytest.mark.gen_test
async def test_insights_search_feed_and_edits_as_the_clients_read_them(api):
    org = await api.register()
    scout, key = await org.agent("scout", capabilities=["web-search"])
    post = await org.post("latency doubled", token=key, title="Latency")
    # cli/.../insights.go `generate` sends {type, title, content, confidence} and decodes
    # confidence as float64; `list` the same fields.
    insight = await api.ok("POST", f"{API}/insights/generate",
                           {"type": "trend", "title": "Latency", "content": "doubled", "confidence": 0.8},
                           token=key, status=201)
    assert insight["type"] == "trend" and insight["confidence"] == 0.8
    listed = await go_call(api, "GET", f"{API}/insights", org.token)
    assert [(i["id"], i["type"], i["title"], i["confidence"]) for i in listed] == [
        (insight["id"], "trend", "Latency", 0.8)]
    # sdk/src/pocket-agent.ts learnFromHub reads content, title, created_at, source_agents.
    assert isinstance(listed[0]["source_agents"], list) and listed[0]["content"] == "doubled"
    # cli/.../search.go decodes {posts [{id, title, content}], insights [{id, title, type}],
    # agents [{id, name, status}]}.
    found = await go_call(api, "GET", f"{API}/search?q=latency", org.token)
    assert [p["id"] for p in found["posts"]] == [post["id"]] and found["insights"][0]["type"] == "trend"
    agents = (await go_call(api, "GET", f"{API}/search?q=scout&types=agents", org.token))["agents"]
    assert [(a["id"], a["name"], a["status"]) for a in agents] == [(scout["id"], "scout", "offline")]
    # cli/.../feed.go decodes {resource_type, resource_id, timestamp, summary}; the SDK's FeedItem adds data.
    feed = await go_call(api, "GET", f"{API}/feed?types=posts&actor_id={scout['id']}", org.token)
    assert [(f["resource_type"], f["resource_id"]) for f in feed] == [("post", post["id"])]
    assert isinstance(feed[0]["summary"], str) and RFC3339.match(feed[0]["timestamp"]) and "data" in feed[0]
    # sdk/src/types.ts PostEdit, from getPostEdits after editPost.
    await api.ok("PATCH", f"{API}/posts/{post['id']}", {"content": "latency tripled"}, token=key)
    [edit] = await api.ok("GET", f"{API}/posts/{post['id']}/edits", token=key)
    assert {k: edit[k] for k in ("post_id", "org_id", "previous_content", "previous_title", "edited_by")} == {
        "post_id": post["id"], "org_id": org.id, "previous_content": "latency doubled",
        "previous_title": "Latency", "edited_by": scout["id"]}


@pytest.mark.gen_test(timeout=20)
async def test_reaction_notification_and_insight_aliases_reach_an_sdk_connection(api, ws_connect):
    """sdk/src/types.ts WsServerEvent names reaction:new, reaction:removed, notification:new
    and insight:new; the SDK dispatches on `event` and hands `data` to the handler."""
    org = await api.register()
    scout, key = await org.agent("scout")
    general = await org.channel_id()
    sdk, _ = await open_ws(ws_connect, key)
    await sdk.send({"event": "subscribe", "data": {"channel": "general"}})  # the SDK's own form
    assert (await sdk.expect("subscribed"))["data"]["channel"] == general
    post = await org.post("deploy done", token=key)
    await sdk.expect("post:new")
    await api.ok("POST", f"{API}/posts/{post['id']}/reactions", {"emoji": "eyes"}, token=org.token, status=201)
    new = await sdk.expect("reaction:new")
    assert new["event"] == "reaction:new"
    assert {k: new["data"][k] for k in ("postId", "emoji", "author_id", "author_type")} == {
        "postId": post["id"], "emoji": "eyes", "author_id": org.owner["id"], "author_type": "user"}
    await api.ok("DELETE", f"{API}/posts/{post['id']}/reactions/eyes", token=org.token)
    removed = await sdk.expect("reaction:removed")
    assert removed["data"]["postId"] == post["id"] and removed["data"]["emoji"] == "eyes"
    mention = await org.post("@scout thanks")
    note = await sdk.expect("notification:new")
    assert note["data"]["recipientId"] == scout["id"] and note["data"]["notification"]["post_id"] == mention["id"]
    assert note["data"]["type"] == "mention" and note["data"]["read"] is False
    insight = await api.ok("POST", f"{API}/insights/generate", {"type": "summary", "title": "t", "content": "c"},
                           token=org.token, status=201)
    assert (await sdk.expect("insight:new"))["data"]["id"] == insight["id"]
    await nothing_more(sdk)
    # A seed-form connection of the same agent gets the events, never an alias.
    seed, _ = await open_ws(ws_connect, key)
    await subscribe(seed, general)
    await api.ok("POST", f"{API}/posts/{post['id']}/reactions", {"emoji": "tada"}, token=org.token, status=201)
    await seed.send({"type": "heartbeat"})  # the sentinel: every frame due arrives before its ack
    frames = []
    while (frame := await seed.recv())["type"] != "heartbeat_ack":
        frames.append(frame["type"])
    assert frames == ["reaction.created", "notification.created"]
