"""`agenthq mcp` driven with the `mcp` package's own client, over stdio (a spawned `agenthq mcp`)
and over streamable HTTP (a spawned `agenthq mcp --http`), against a hub process."""

import asyncio
import contextlib
import itertools
import json

import pytest
from mcp import Client
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from agenthq.client import AgentHQClient, SyncClient
from tests.support import HubProcess
from tests.support.mcp import McpHttpProcess, call, clean_env, failure, http_client, stdio_client, stdio_params

PASSWORD = "correct-horse"
_names = itertools.count(1)

# What every §16 tool is for, by name: the server must list exactly these.
TOOLS = {"hub_post", "hub_search", "hub_feed", "hub_activity", "hub_agents", "hub_find_agents", "hub_channels",
         "hub_activity_query", "hub_heartbeat", "hub_react", "hub_notifications", "hub_task_create", "hub_tasks",
         "hub_connect", "hub_collaborate", "hub_wait", "hub_thread", "hub_task_claim", "hub_task_update", "hub_dm",
         "hub_mark_read", "hub_inbox"}


class World:
    """A hub process, an `agenthq mcp --http` process for it, and an org whose owner makes agents."""

    def __init__(self, hub, mcp, folder):
        self.hub, self.mcp, self.folder = hub, mcp, folder
        self.owner = SyncClient(hub.url)
        self.owner.register("Mcp Org", "mcp-org", "owner@mcp.test", PASSWORD, "Olive Owner")

    def agent(self, prefix="agent"):
        """(agent, key) of a new agent of the org."""
        made = self.owner.register_agent(f"{prefix}-{next(_names)}")
        return made["agent"], made["apiKey"]

    def client(self, transport, key):
        """An MCP client acting with `key`, over the given transport."""
        if transport == "stdio":
            return stdio_client(self.hub.url, key, config=self.folder / f"cfg-{next(_names)}.json")
        # "http" lets the client pick (the 2026-07-28 protocol: no MCP session, the token keys the
        # /ws); "http-legacy" is the initialize handshake with an Mcp-Session-Id, as most clients today.
        return http_client(self.mcp.url, key, mode="legacy" if transport == "http-legacy" else "auto")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mcp-hub")
    # One writer floods 1,010 posts for the buffer cap test: above the REST burst per identity.
    with HubProcess(folder / "hub.db", log=folder / "hub.log", env={"AGENTHQ_REST_BURST": "100000"}) as hub:
        mcp = McpHttpProcess(hub.url, folder / "mcp.log", config=folder / "http-profiles.json").start()
        made = World(hub, mcp, folder)
        try:
            yield made
        finally:
            made.owner.close()
            mcp.stop()


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 120))


@pytest.fixture(params=["stdio", "http", "http-legacy"])
def transport(request):
    return request.param


def test_every_tool_is_listed_with_a_schema_that_says_when_to_use_it(world, transport):
    _, key = world.agent()

    async def main():
        async with world.client(transport, key) as client:
            tools = {tool.name: tool for tool in (await client.list_tools()).tools}
            assert set(tools) == TOOLS
            for tool in tools.values():
                assert len(tool.description) > 40, tool.name
                schema = tool.input_schema
                assert schema["type"] == "object"
                for name, prop in schema.get("properties", {}).items():
                    assert prop.get("description"), (tool.name, name)
            assert set(tools["hub_post"].input_schema["required"]) == {"channel_id", "content"}
            wait = tools["hub_wait"].input_schema["properties"]
            assert set(wait) == {"timeout_seconds", "channel", "addressed_only"}
            assert "from" in tools["hub_activity_query"].input_schema["properties"]
            assert set(tools["hub_collaborate"].input_schema["properties"]["action"]["enum"]) == {"ask", "answer"}
            assert "join_hub" in {p.name for p in (await client.list_prompts()).prompts}
            templates = {t.uri_template for t in (await client.list_resource_templates()).resource_templates}
            assert {"agenthq://channels/{channel}/posts", "agenthq://threads/{post_id}"} <= templates

    run(main())


def test_a_post_reaches_another_identitys_wait_and_nothing_is_lost_between_calls(world, transport):
    writer_agent, writer_key = world.agent("writer")
    reader_agent, reader_key = world.agent("reader")

    async def main():
        async with world.client(transport, writer_key) as writer, world.client(transport, reader_key) as reader:
            if transport == "http":
                assert reader.protocol_version in MODERN_PROTOCOL_VERSIONS
            # The reader is waiting when the post is written: the wait returns with it.
            waiting = asyncio.ensure_future(call(reader, "hub_wait", timeout_seconds=60, channel="general"))
            await call(reader, "hub_channels")  # the reader's session is up (its socket buffers)
            post = await call(writer, "hub_post", channel_id="#General", content="build 41 is green")
            assert post["channel"] == "general" and post["author_id"] == writer_agent["id"]
            got = await waiting
            posts = [i["post"] for i in got["items"] if i["event"] == "post.created"]
            assert [p["id"] for p in posts] == [post["id"]] and not got["timed_out"]
            assert posts[0]["author"] == writer_agent["name"] and got["seq"] == posts[0]["seq"]

            # Two posts while nobody waits: the next call returns both, oldest first, then nothing again.
            first = await call(writer, "hub_post", channel_id="general", content="deploying")
            second = await call(writer, "hub_post", channel_id="updates", content="deployed", type="alert")
            got = await call(reader, "hub_wait", timeout_seconds=60)
            ids = [i["post"]["id"] for i in got["items"] if i.get("post")]
            while second["id"] not in ids:  # they may land in two returns; never lost, never twice
                more = await call(reader, "hub_wait", timeout_seconds=60)
                ids += [i["post"]["id"] for i in more["items"] if i.get("post")]
            assert ids == [first["id"], second["id"]]
            # The reader's own posts never come back to it; a sentinel from the writer ends the check.
            await call(reader, "hub_post", channel_id="general", content="my own words")
            sentinel = await call(writer, "hub_post", channel_id="general", content="sentinel")
            got = await call(reader, "hub_wait", timeout_seconds=60)
            assert [i["post"]["id"] for i in got["items"]] == [sentinel["id"]]
            assert got["missed"] is False

    run(main())


def test_a_mention_comes_once_with_its_notification_and_addressed_only_keeps_it(world):
    asker, asker_key = world.agent("asker")
    helper, helper_key = world.agent("helper")

    async def main():
        async with world.client("http", asker_key) as a, world.client("http", helper_key) as h:
            await call(h, "hub_channels")
            await call(a, "hub_post", channel_id="general", content="not for anyone")
            mention = await call(a, "hub_post", channel_id="general", content=f"@{helper['name']} can you look?")
            got = await call(h, "hub_wait", timeout_seconds=60, addressed_only=True)
            assert [i["post"]["id"] for i in got["items"]] == [mention["id"]]
            assert got["items"][0]["notification"]["type"] == "mention"
            # The unaddressed post stayed for an unfiltered call.
            rest = await call(h, "hub_wait", timeout_seconds=60)
            assert [i["post"]["content"] for i in rest["items"]] == ["not for anyone"]

    run(main())


def test_a_mention_in_a_channel_i_do_not_follow_comes_with_its_post(world):
    # A public channel the helper is not in: the mention notifies it (it can read the channel),
    # but its socket never gets the post, so hub_wait reads the post over REST.
    asker, asker_key = world.agent("asker")
    helper, helper_key = world.agent("helper")
    channel = world.owner.create_channel(f"ops-{next(_names)}")

    async def main():
        async with world.client("http", asker_key) as a, world.client("http", helper_key) as h:
            await call(h, "hub_channels")
            mention = await call(a, "hub_post", channel_id=channel["id"], content=f"@{helper['name']} over here")
            got = await call(h, "hub_wait", timeout_seconds=60, addressed_only=True)
            assert [i["notification"]["type"] for i in got["items"]] == ["mention"]
            assert got["items"][0]["post"]["id"] == mention["id"]
            assert got["items"][0]["post"]["content"] == f"@{helper['name']} over here"

    run(main())


def test_collaborate_ask_and_answer_land_in_one_thread(world, transport):
    _, asker_key = world.agent("asker")
    _, helper_key = world.agent("helper")

    async def main():
        async with world.client(transport, asker_key) as asker, world.client(transport, helper_key) as helper:
            question = await call(asker, "hub_collaborate", action="ask", content="Who knows the deploy key?")
            assert question["type"] == "question" and question["channel"] == "general"
            answer = await call(helper, "hub_collaborate", action="answer", content="ops does",
                                parent_id=question["id"])
            assert answer["parent_id"] == question["id"] and answer["channel_id"] == question["channel_id"]
            thread = await call(asker, "hub_thread", post_id=answer["id"])
            assert thread["root"]["id"] == question["id"]
            assert [r["id"] for r in thread["replies"]] == [answer["id"]]
            text = await failure(helper, "hub_collaborate", action="answer", content="orphan")
            assert text.startswith("VALIDATION_ERROR: ")

    run(main())


def test_two_agents_race_for_one_task_and_exactly_one_gets_it(world, transport):
    first, first_key = world.agent("racer")
    second, second_key = world.agent("racer")
    task = world.owner.create_task("Rotate the logs", priority="high")

    async def main():
        async with world.client(transport, first_key) as a, world.client(transport, second_key) as b:
            results = await asyncio.gather(
                *(c.call_tool("hub_task_claim", {"task_id": task["id"], "lease_seconds": 60}) for c in (a, b)))
            won = [r for r in results if not r.is_error]
            lost = [r for r in results if r.is_error]
            assert len(won) == 1 and len(lost) == 1
            assert lost[0].content[0].text.split(":")[0] in ("TASK_CLAIMED", "TASK_ASSIGNED")

    run(main())
    claimed = world.owner.get_task(task["id"])
    assert claimed["assigned_to"] in (first["id"], second["id"]) and claimed["claim_count"] == 1


def test_inbox_mark_read_clears_the_unread_counts_of_get_channels(world):
    _, writer_key = world.agent("writer")
    reader, reader_key = world.agent("reader")

    async def main():
        async with world.client("http", writer_key) as writer, world.client("http", reader_key) as r:
            posted = [await call(writer, "hub_post", channel_id="learnings", content=f"lesson {n}") for n in (1, 2, 3)]
            inbox = await call(r, "hub_inbox", per_channel=10)
            learnings = [c for c in inbox["channels"] if c["name"] == "learnings"][0]
            assert [p["id"] for p in learnings["posts"]] == [p["id"] for p in posted]  # oldest first
            assert learnings["unread_count"] == 3
            inbox = await call(r, "hub_inbox", mark_read=True)
            assert "learnings" in [c["name"] for c in inbox["channels"]]
            assert (await call(r, "hub_inbox"))["channels"] == []

    run(main())
    with SyncClient(world.hub.url, api_key=reader_key) as as_reader:
        counts = {c["name"]: c["unread_count"] for c in as_reader.list_channels()}
    assert counts["learnings"] == 0 and set(counts.values()) == {0}, counts


def test_limits_are_clamped_and_channel_names_are_accepted(world):
    _, key = world.agent()

    async def main():
        async with world.client("http", key) as client:
            assert len(await call(client, "hub_agents", limit=100000)) >= 1
            assert isinstance(await call(client, "hub_tasks", limit=-5), list)
            assert (await call(client, "hub_wait", timeout_seconds=-3))["timed_out"] is True
            read = await call(client, "hub_mark_read", channel="#ALERTS")
            assert len(read) == 1 and read[0]["unread_count"] == 0
            feed = await call(client, "hub_feed", limit=0)
            assert isinstance(feed, list)

    run(main())


def test_a_bad_token_is_a_clear_error_not_a_crash(world):
    async def stdio():
        async with world.client("stdio", "ahq_" + "x" * 43) as client:
            assert (await failure(client, "hub_post", channel_id="general", content="hi")).startswith(
                "INVALID_API_KEY: ")
            # The server is still there, answering.
            assert (await failure(client, "hub_channels")).startswith("INVALID_API_KEY: ")

    run(stdio())

    # Over HTTP the bearer token is checked before MCP: 401 with the hub's code, in the API's envelope.
    initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                  "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                             "clientInfo": {"name": "test", "version": "1"}}}
    for token, code in ((None, "UNAUTHORIZED"), ("ahq_" + "y" * 43, "INVALID_API_KEY"), ("not-a-jwt", "INVALID_TOKEN")):
        status, body, headers = _post(world.mcp.url, initialize, token)
        assert status == 401 and body["error"]["code"] == code, (status, body)
        assert headers.get("WWW-Authenticate", "").startswith("Bearer")

    _, key = world.agent()

    async def refused():
        with pytest.raises(Exception):  # the client gives up at once (it does not hang)
            async with world.client("http", "ahq_" + "z" * 43) as client:
                await client.list_tools()
        async with world.client("http", key) as client:  # and the server serves the next one
            assert (await call(client, "hub_wait", timeout_seconds=0))["timed_out"] is True

    run(refused())


def _post(url, body, token):
    import urllib.error
    import urllib.request

    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read()), response.headers
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), error.headers


def test_another_orgs_ids_are_not_found(world):
    transport = "http"
    _, key = world.agent()
    other = SyncClient(world.hub.url)
    other.register("Other Org", f"other-{transport}", f"owner@other-{transport}.test", PASSWORD, "Otto")
    try:
        channel = other.channel_id("general")
        post = other.create_post(channel, "secret plans")
        task = other.create_task("their task")
    finally:
        other.close()

    async def main():
        async with world.client(transport, key) as client:
            checks = [("hub_post", {"channel_id": channel, "content": "x"}),
                      ("hub_post", {"channel_id": "x", "content": "x", "parent_id": post["id"]}),
                      ("hub_thread", {"post_id": post["id"]}), ("hub_react", {"post_id": post["id"], "emoji": "eyes"}),
                      ("hub_task_claim", {"task_id": task["id"]}), ("hub_task_update", {"task_id": task["id"],
                                                                                        "status": "completed"}),
                      ("hub_mark_read", {"channel": channel}), ("hub_wait", {"channel": channel, "timeout_seconds": 0})]
            for tool, arguments in checks:
                text = await failure(client, tool, **arguments)
                assert text.startswith("NOT_FOUND: "), (tool, text)
            assert "secret" not in str(await call(client, "hub_search", q="secret"))

    run(main())


def test_dm_by_name_and_an_ambiguous_name_lists_the_ids(world):
    sender, sender_key = world.agent("sender")
    twin_a = world.owner.register_agent("twin")["agent"]
    twin_b = world.owner.register_agent("Twin")["agent"]
    receiver, receiver_key = world.agent("receiver")

    async def main():
        async with world.client("http", sender_key) as s, world.client("http", receiver_key) as r:
            await call(r, "hub_channels")
            sent = await call(s, "hub_dm", member=receiver["name"], content="psst")
            assert sent["channel"]["type"] == "dm" and sent["post"]["content"] == "psst"
            got = await call(r, "hub_wait", timeout_seconds=60, addressed_only=True)
            assert [i["post"]["id"] for i in got["items"]] == [sent["post"]["id"]]
            assert got["items"][0]["notification"]["type"] == "dm"
            text = await failure(s, "hub_dm", member="twin", content="which one?")
            assert text.startswith("VALIDATION_ERROR: ") and twin_a["id"] in text and twin_b["id"] in text

    run(main())


def test_resources_and_the_join_prompt(world):
    _, key = world.agent()

    async def main():
        async with world.client("http", key) as client:
            post = await call(client, "hub_post", channel_id="alerts", content="disk at 91%", type="alert")
            read = await client.read_resource("agenthq://channels/alerts/posts")
            assert post["id"] in read.contents[0].text
            read = await client.read_resource(f"agenthq://threads/{post['id']}")
            assert post["id"] in read.contents[0].text
            read = await client.read_resource("agenthq://me/inbox")
            assert '"channels"' in read.contents[0].text
            prompt = await client.get_prompt("join_hub", {"channel": "general"})
            assert "hub_inbox" in prompt.messages[0].content.text

    run(main())


@pytest.mark.parametrize("mode", ["legacy", "auto"])
def test_connect_with_an_invite_lists_the_tools_and_keeps_the_key_out_of_the_answer(world, tmp_path, mode):
    """Without credentials only hub_connect is listed; it joins, saves a CLI profile and tells
    the client the tool list changed (a notification on handshake-era sessions, a
    subscriptions/listen event on 2026-07-28 ones)."""
    invite = world.owner.create_agent_invite()
    config = tmp_path / "profiles.json"

    async def main():
        notified = asyncio.Event()

        async def on_message(message):
            if "ToolListChanged" in type(getattr(message, "root", message)).__name__ or "list_changed" in repr(message):
                notified.set()

        env = clean_env(AGENTHQ_CONFIG=str(config), AGENTHQ_URL=world.hub.url)
        async with Client(stdio_params("agenthq", ["mcp"], env), message_handler=on_message, mode=mode) as client:
            assert [t.name for t in (await client.list_tools()).tools] == ["hub_connect"]
            async with contextlib.AsyncExitStack() as stack:
                if client.protocol_version in MODERN_PROTOCOL_VERSIONS:
                    events = await stack.enter_async_context(client.listen(tools_list_changed=True))
                answer = await call(client, "hub_connect", invite_url=invite["url"], agent_name="newcomer")
                if client.protocol_version in MODERN_PROTOCOL_VERSIONS:
                    await anext(aiter(events))
                else:
                    await notified.wait()
            assert answer["success"] is True and answer["profile"] == "newcomer" and answer["hub_url"] == world.hub.url
            assert "ahq_" not in str(answer)
            assert set(t.name for t in (await client.list_tools()).tools) == TOOLS
            post = await call(client, "hub_post", channel_id="general", content="hello, I am new")
            assert post["author_id"] == answer["agent_id"]

    run(main())
    saved = json.loads(config.read_text())
    assert saved["agents"]["newcomer"]["api_key"].startswith("ahq_") and saved["url"] == world.hub.url


def test_past_1000_unreturned_items_the_oldest_drop_and_missed_says_so(world):
    _, writer_key = world.agent("flood")
    _, reader_key = world.agent("reader")

    async def main():
        writer = AgentHQClient(world.hub.url, api_key=writer_key)
        try:
            async with world.client("http", reader_key) as reader:
                await call(reader, "hub_channels")  # the reader's socket is up and buffering
                channel = await writer.channel_id("general")
                posted = []
                for start in range(0, 1010, 20):  # in order: 20 at a time, each batch after the last
                    batch = await asyncio.gather(*(writer.create_post(channel, f"flood {n}")
                                                   for n in range(start, min(start + 20, 1010))))
                    posted += sorted(batch, key=lambda p: p["seq"])
                # The sentinel goes to another channel, after all of them: a wait for that
                # channel returns once every flood post has reached the buffer (one socket,
                # events in seq order).
                sentinel = await writer.create_post(await writer.channel_id("updates"), "sentinel")
                got = await call(reader, "hub_wait", timeout_seconds=60, channel="updates")
                assert [i["post"]["id"] for i in got["items"]] == [sentinel["id"]] and got["missed"] is True
                # 1,011 items came while nobody took any: the 11 oldest were dropped; the rest
                # arrive once each, in order, 50 at most a call, and missed is not said again.
                seen = []
                while len(seen) < 999:
                    got = await call(reader, "hub_wait", timeout_seconds=60)
                    assert len(got["items"]) <= 50 and got["missed"] is False
                    seen += [i["post"]["id"] for i in got["items"]]
                assert seen == [p["id"] for p in posted[11:]]
                assert (await call(reader, "hub_wait", timeout_seconds=0))["items"] == []
        finally:
            await writer.close()

    run(main())


def test_connect_over_http_switches_the_session_to_the_new_agent(world):
    _, key = world.agent("host")
    invite = world.owner.create_agent_invite()

    async def main():
        async with world.client("http-legacy", key) as client:
            answer = await call(client, "hub_connect", invite_url=invite["url"], agent_name="joined-over-http")
            assert answer["success"] is True and "ahq_" not in json.dumps(answer)
            post = await call(client, "hub_post", channel_id="general", content="hello from the new agent")
            assert post["author_id"] == answer["agent_id"]
            again = await failure(client, "hub_connect", invite_url=invite["url"], agent_name="twice")
            assert again.startswith("TOKEN_ALREADY_USED: ")

    run(main())
    saved = json.loads((world.folder / "http-profiles.json").read_text())
    assert "joined-over-http" in saved["agents"]


def test_wait_brings_my_tasks_and_claimable_ones_not_others(world):
    other, _ = world.agent("other")
    reader, reader_key = world.agent("worker")
    _, writer_key = world.agent("writer")

    async def main():
        async with world.client("http", reader_key) as r, world.client("http", writer_key) as w:
            await call(r, "hub_channels")
            theirs = await call(w, "hub_task_create", title="theirs", assigned_to=other["id"])
            mine = await call(w, "hub_task_create", title="mine", assigned_to=reader["id"], priority="urgent")
            pool = await call(w, "hub_task_create", title="anyone's")
            sentinel = await call(w, "hub_post", channel_id="general", content="sentinel")
            items = []
            while sentinel["id"] not in [i.get("post", {}).get("id") for i in items]:
                items += (await call(r, "hub_wait", timeout_seconds=60))["items"]
            tasks = [(i["event"], i["task"]["id"]) for i in items if i.get("task")]
            assert tasks == [("task.created", mine["id"]), ("task.created", pool["id"])]
            assert theirs["id"] not in json.dumps(items)

    run(main())


def test_a_person_acts_through_mcp_with_an_access_token(world, transport):
    token = world.owner.token  # a JWT access token, not an agent key

    async def main():
        async with world.client(transport, token) as client:
            post = await call(client, "hub_post", channel_id="general", content="a person, through MCP")
            assert post["author_type"] == "user" and post["author"] == "Olive Owner"
            text = await failure(client, "hub_heartbeat")
            assert text.startswith("VALIDATION_ERROR: ")  # heartbeats are an agent's

    run(main())
