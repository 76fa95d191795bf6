"""The Python SDK against a real hub: every REST method, live events into handlers, resume
across a server restart, heartbeats. No mocks: an in-process hub on a free port, or a hub
process for the restart."""

import asyncio
import itertools

import pytest

from agenthq.client import AgentHQClient, AgentHQError, SyncClient
from agenthq.client import post as sync_post
from agenthq.client.cursor import Cursor
from tests.support import HubProcess, RawSocket, closed_port

_n = itertools.count(1)


@pytest.fixture
def url(http_server, http_port):
    return f"http://127.0.0.1:{http_port}"


async def new_org(url):
    """A registered owner (client signed in) and an agent (client with its key)."""
    n = next(_n)
    owner = AgentHQClient(url)
    await owner.register(f"Org {n}", f"sdk-{n}", f"owner{n}@sdk.test", "correct-horse", "Owner")
    made = await owner.register_agent("scout", "watches things", ["monitoring", "triage"])
    agent = AgentHQClient(url, api_key=made["apiKey"])
    return owner, agent, made["agent"]


class Inbox:
    """Collects what handlers receive, and waits for the first item that matches."""

    def __init__(self, client, *events):
        self.items = []
        self._changed = asyncio.Event()
        for event in events:
            client.on(event, lambda data, event=event: self._add(event, data))

    def _add(self, event, data):
        self.items.append((event, data))
        self._changed.set()

    async def wait(self, event, match=lambda data: True, timeout=10):
        async def first():
            while True:
                for name, data in self.items:
                    if name == event and match(data):
                        return data
                self._changed.clear()
                await self._changed.wait()

        return await asyncio.wait_for(first(), timeout)

    def of(self, event):
        return [data for name, data in self.items if name == event]


# REST ---------------------------------------------------------------------------------------

@pytest.mark.gen_test(timeout=20)
async def test_auth_and_org_methods(url):
    async with AgentHQClient(url) as client:
        assert (await client.health())["status"] == "ok"
        registered = await client.register("Acme", "acme-sdk", "ann@acme.test", "correct-horse", "Ann")
        assert client.token == registered["accessToken"] and client.refresh_token == registered["refreshToken"]
        me = await client.me()
        assert me["type"] == "user" and me["user"]["email"] == "ann@acme.test"

        assert (await client.login("ann@acme.test", "correct-horse"))["user"]["id"] == me["user"]["id"]
        old = client.token
        refreshed = await client.refresh()
        assert client.token == refreshed["accessToken"]
        assert (await client.me())["user"]["id"] == me["user"]["id"] and isinstance(old, str)

        assert (await client.get_org())["slug"] == "acme-sdk"
        updated = await client.update_org(name="Acme Inc", settings={"theme": "dark"})
        assert updated["name"] == "Acme Inc" and updated["settings"] == {"theme": "dark"}

        made = await client.register_agent("bot", capabilities=["ci"])
        assert made["apiKey"].startswith("ahq_") and made["agent"]["capabilities"] == ["ci"]


@pytest.mark.gen_test(timeout=20)
async def test_agent_methods(url):
    owner, agent, profile = await new_org(url)
    async with owner, agent:
        assert [a["id"] for a in await owner.list_agents()] == [profile["id"]]
        assert (await owner.get_agent(profile["id"]))["name"] == "scout"
        found = await owner.search_agents(q="watch", capabilities=["monitoring", "triage"])
        assert [a["id"] for a in found] == [profile["id"]]
        assert await owner.search_agents(capabilities=["cooking"]) == []

        changed = await agent.update_agent(profile["id"], description="on call", metadata={"tz": "UTC"})
        assert changed["description"] == "on call" and changed["metadata"] == {"tz": "UTC"}
        assert await agent.heartbeat("busy") == {"ok": True}  # the agent's own id, looked up
        assert (await owner.get_agent(profile["id"]))["status"] == "busy"
        assert [a["id"] for a in await owner.search_agents(status="busy")] == [profile["id"]]

        new_key = (await owner.rotate_key(profile["id"]))["apiKey"]
        with pytest.raises(AgentHQError) as raised:
            await agent.me()
        assert raised.value.code == "INVALID_API_KEY" and raised.value.status == 401
        agent.api_key = new_key
        assert (await agent.me())["agent"]["id"] == profile["id"]

        assert await owner.delete_agent(profile["id"]) == {"deleted": True}
        assert await owner.list_agents() == []


@pytest.mark.gen_test(timeout=20)
async def test_channel_methods(url):
    owner, agent, profile = await new_org(url)
    async with owner, agent:
        names = {c["name"] for c in await owner.list_channels()}
        assert {"general", "updates", "learnings", "alerts", "audit"} <= names
        general = await owner.channel_id("#general")
        assert (await owner.get_channel(general))["name"] == "general"
        assert await owner.channel_id(general) == general

        public = await owner.create_channel("ops", "operations")
        assert public["type"] == "public" and public["description"] == "operations"
        assert await agent.join_channel(public["id"]) == {"joined": True}
        assert await agent.leave_channel(public["id"]) == {"left": True}

        private = await owner.create_channel("secret", type="private")
        with pytest.raises(AgentHQError) as raised:
            await agent.get_channel(private["id"])
        assert raised.value.code in ("NOT_FOUND", "FORBIDDEN")
        await owner.add_member(private["id"], profile["id"], "agent")
        assert (await agent.get_channel(private["id"]))["name"] == "secret"

        for i in range(3):
            await agent.create_post(public["id"], f"note {i}")
        listed = await owner.channel_posts(public["id"], limit=2)
        assert [p["content"] for p in listed] == ["note 2", "note 1"]  # newest first, one page
        assert len(await owner.pages(owner.channel_posts, public["id"])) == 3

        with pytest.raises(AgentHQError) as raised:
            await owner.channel_id("no-such-channel")
        assert raised.value.code == "NOT_FOUND"


@pytest.mark.gen_test(timeout=20)
async def test_post_methods(url):
    owner, agent, profile = await new_org(url)
    async with owner, agent:
        general = await owner.channel_id("general")
        question = await agent.create_post(general, "Is the deploy stuck?", type="question", title="Deploy",
                                           metadata={"build": 7})
        assert question["author_id"] == profile["id"] and question["metadata"] == {"build": 7}
        answer = await owner.create_post(general, "No, it finished", type="answer", parent_id=question["id"])
        assert answer["parent_id"] == question["id"] and answer["author_type"] == "user"

        assert [p["id"] for p in await owner.list_posts(channel_id=general)] == [answer["id"], question["id"]]
        assert [p["id"] for p in await owner.list_posts(type="question")] == [question["id"]]
        assert [p["id"] for p in await owner.list_posts(author_id=profile["id"])] == [question["id"]]
        assert len(await owner.list_posts(since=question["created_at"])) >= 1
        assert [p["id"] for p in await owner.search_posts("deploy stuck")] == [question["id"]]

        edited = await agent.update_post(question["id"], title="Deploy?", content="Is the deploy done?")
        assert (edited["title"], edited["content"]) == ("Deploy?", "Is the deploy done?")
        assert (await owner.get_post(question["id"]))["content"] == "Is the deploy done?"
        assert await agent.delete_post(question["id"]) == {"deleted": True}
        with pytest.raises(AgentHQError) as raised:
            await owner.get_post(question["id"])
        assert (raised.value.code, raised.value.status) == ("NOT_FOUND", 404)


@pytest.mark.gen_test(timeout=20)
async def test_activity_methods(url):
    owner, agent, profile = await new_org(url)
    async with owner, agent:
        logged = await agent.log_activity("report.sent", "report", "r-1", {"pages": 3})
        assert logged["action"] == "report.sent" and logged["actor_id"] == profile["id"]
        mine = await owner.list_activity(actor_id=profile["id"], action="report.sent")
        assert [a["id"] for a in mine] == [logged["id"]]
        assert await owner.list_activity(action="report.sent", since="2999-01-01T00:00:00.000Z") == []
        assert "agent.registered" in {a["action"] for a in await owner.list_activity()}


@pytest.mark.gen_test(timeout=20)
async def test_errors_carry_code_message_and_status(url):
    owner, agent, _ = await new_org(url)
    async with owner, agent:
        general = await owner.channel_id("general")
        with pytest.raises(AgentHQError) as raised:
            await owner.create_post(general, "x", type="gossip")
        error = raised.value
        assert (error.code, error.status, error.field) == ("VALIDATION_ERROR", 400, "type") and error.message
        with pytest.raises(AgentHQError) as raised:
            await agent.register_agent("child")  # agents cannot register agents
        assert (raised.value.code, raised.value.status) == ("FORBIDDEN", 403)
        with pytest.raises(AgentHQError) as raised:
            await owner.heartbeat()  # a user has no heartbeat of its own
        assert raised.value.code == "VALIDATION_ERROR"

    async with AgentHQClient(url, api_key="ahq_" + "x" * 43) as stranger:
        with pytest.raises(AgentHQError) as raised:
            await stranger.me()
        assert (raised.value.code, raised.value.status) == ("INVALID_API_KEY", 401)

    # A port bound but not listening: nothing answers there, and nobody else can take it.
    with closed_port() as port:
        async with AgentHQClient(f"http://127.0.0.1:{port}", api_key="ahq_any") as nowhere:
            with pytest.raises(AgentHQError) as raised:
                await nowhere.health()
            assert raised.value.code == "CONNECTION_ERROR" and raised.value.status is None
            with pytest.raises(AgentHQError) as raised:
                await nowhere.connect()
            assert raised.value.code == "CONNECTION_ERROR"


@pytest.mark.gen_test(timeout=20)
async def test_an_expired_access_token_is_refreshed_once(url):
    owner, agent, _ = await new_org(url)
    async with owner, agent:
        stale = AgentHQClient(url, token="not-a-valid-jwt", refresh_token=owner.refresh_token)
        async with stale:
            assert (await stale.me())["type"] == "user"
            assert stale.token not in ("not-a-valid-jwt", None)
        without = AgentHQClient(url, token="not-a-valid-jwt")
        async with without:
            with pytest.raises(AgentHQError) as raised:
                await without.me()
            assert raised.value.code == "INVALID_TOKEN"


@pytest.mark.gen_test(timeout=20)
async def test_sync_facade(url):
    owner, agent, _ = await new_org(url)
    async with owner, agent:
        loop = asyncio.get_running_loop()
        # The facade runs its own loop, so it is used from a thread, as a plain script would.
        posted = await loop.run_in_executor(None, lambda: sync_post("Nightly build is green", channel="updates",
                                                                    url=url, api_key=agent.api_key, type="update"))
        assert posted["channel_id"] == await owner.channel_id("updates")

        def use_sync_client():
            with SyncClient(url, api_key=agent.api_key) as client:
                with pytest.raises(AttributeError):
                    client.connect  # noqa: B018 - live events need asyncio
                return client.me()["type"], client.get_post(posted["id"])["content"]

        assert await loop.run_in_executor(None, use_sync_client) == ("agent", "Nightly build is green")


# Real time ----------------------------------------------------------------------------------

@pytest.mark.gen_test(timeout=30)
async def test_events_reach_plain_and_async_handlers(url):
    owner, agent, profile = await new_org(url)
    async with owner, agent:
        general, updates = await owner.channel_id("general"), await owner.channel_id("updates")
        inbox = Inbox(owner, "connected", "subscribed", "unsubscribed", "agent.online", "post.updated", "*")
        created, came_online = [], []
        owner.on("post.created", created.append)

        async def on_online(data):  # an async handler is awaited
            await asyncio.sleep(0)
            came_online.append(data["id"])

        owner.on("agent.online", on_online)

        owner.subscribe(general)  # before connect: sent once the socket is up
        connected = await owner.connect()
        assert connected["identity"]["type"] == "user" and connected["heartbeat_interval"] > 0
        assert owner.connected
        await inbox.wait("subscribed", lambda d: d["channel"] == general)
        owner.subscribe(updates)
        await inbox.wait("subscribed", lambda d: d["channel"] == updates)

        await agent.connect()
        await inbox.wait("agent.online", lambda d: d["id"] == profile["id"])
        assert came_online == [profile["id"]]

        post = await agent.create_post(general, "first", title="Hello")
        await agent.update_post(post["id"], content="first, edited")
        edited = await inbox.wait("post.updated")
        assert edited["content"] == "first, edited"
        assert [p["id"] for p in created] == [post["id"]] and created[0]["title"] == "Hello"
        frame = await inbox.wait("*", lambda f: f["type"] == "post.created")
        assert frame["channel"] == general and frame["data"]["id"] == post["id"] and frame["seq"] > 0

        # off() removes a handler; unsubscribe() stops a channel. A post in the still
        # subscribed channel, made after, proves the others were not just late.
        owner.off("post.created", created.append)
        owner.unsubscribe(general)
        await inbox.wait("unsubscribed", lambda d: d["channel"] == general)
        await agent.create_post(general, "unheard")
        marker = await agent.create_post(updates, "heard")
        await inbox.wait("*", lambda f: f["type"] == "post.created" and f["data"]["id"] == marker["id"])
        assert "unheard" not in [f["data"]["content"] for f in inbox.of("*") if f["type"] == "post.created"]
        assert len(created) == 1
        assert owner.subscriptions == {updates}


@pytest.mark.gen_test(timeout=20)
async def test_subscribe_since_replays_and_resync_is_reported(url):
    owner, agent, _ = await new_org(url)
    async with owner, agent:
        general = await owner.channel_id("general")
        await owner.connect()
        kept = owner.last_seq  # what a client would store before going away
        await owner.close()
        missed = [await agent.create_post(general, f"missed {i}") for i in range(3)]

        async with AgentHQClient(url, token=owner.token) as later:
            inbox = Inbox(later, "post.created", "resync_required")
            later.subscribe(general, since=kept)
            await later.connect()
            await inbox.wait("post.created", lambda d: d["id"] == missed[-1]["id"])
            assert [p["id"] for p in inbox.of("post.created")] == [p["id"] for p in missed]

            # A seq from another timeline cannot be resumed: handlers hear it, and the live
            # stream goes on from the hub's newest event.
            updates = await later.channel_id("updates")
            later.subscribe(updates, since=10**9)
            resync = await inbox.wait("resync_required")
            assert resync["channel"] == updates
            fresh = await agent.create_post(updates, "after the resync")
            await inbox.wait("post.created", lambda d: d["id"] == fresh["id"])


@pytest.mark.gen_test(timeout=20)
async def test_refused_credentials_and_channels(url):
    owner, agent, profile = await new_org(url)
    async with owner, agent:
        async with AgentHQClient(url, api_key="ahq_" + "y" * 43) as stranger:
            with pytest.raises(AgentHQError) as raised:
                await stranger.connect()
            assert raised.value.code == "UNAUTHORIZED" and "API key" in raised.value.message
        async with AgentHQClient(url) as nobody:
            with pytest.raises(AgentHQError) as raised:
                await nobody.connect()
            assert raised.value.code == "UNAUTHORIZED"

        private = await owner.create_channel("owners-only", type="private")
        inbox = Inbox(agent, "error", "subscribed")
        await agent.connect()
        agent.subscribe(private["id"])
        error = await inbox.wait("error")
        assert error["channel"] == private["id"] and error["code"] in ("FORBIDDEN", "NOT_FOUND")
        assert private["id"] not in agent.subscriptions  # not asked for again on reconnect


@pytest.mark.gen_test(timeout=20)
async def test_a_rotated_key_ends_the_stream_for_good(url):
    owner, agent, profile = await new_org(url)
    async with owner, agent:
        inbox = Inbox(agent, "disconnected")
        await agent.connect()
        await owner.rotate_key(profile["id"])
        with pytest.raises(AgentHQError) as raised:
            await asyncio.wait_for(agent.wait_closed(), 10)
        assert raised.value.code == "FORBIDDEN"
        assert (await inbox.wait("disconnected"))["reconnecting"] is False
        assert not agent.connected


@pytest.mark.gen_test(timeout=30)
@pytest.mark.parametrize("config_overrides", [{"heartbeat_interval": 1}])
async def test_heartbeats_keep_the_agent_online(url, http_port, config_overrides):
    owner, agent, profile = await new_org(url)
    async with owner, agent:
        inbox = Inbox(agent, "disconnected", "subscribed", "post.created")
        watching = Inbox(owner, "agent.online")
        await owner.connect()
        general = await owner.channel_id("general")
        agent.subscribe(general)
        first = await agent.connect()
        await inbox.wait("subscribed")
        assert first["heartbeat_interval"] == 1
        beat_at_connect = (await watching.wait("agent.online"))["last_heartbeat"]
        # A peer that sends nothing, not even pongs (a Tornado client would answer the hub's
        # pings, and any frame counts as life): the hub closes it after three silent
        # intervals; the SDK's connection outlives it.
        silent = await RawSocket.connect(http_port, owner.token)
        _, code = await silent.read_all(timeout=15)
        silent.close()
        assert code == 4002
        # The agent's socket is older than the silent one: a post made now reaching it, with no
        # `disconnected` before, proves it was never cut (not merely that the cut is late).
        sentinel = await owner.create_post(general, "still here")
        await inbox.wait("post.created", lambda data: data["id"] == sentinel["id"])
        assert agent.connected and inbox.of("disconnected") == []
        status = await owner.get_agent(profile["id"])
        assert status["status"] == "online" and status["last_heartbeat"] > beat_at_connect


# A hub restart in the middle of a stream ------------------------------------------------------

@pytest.mark.gen_test(timeout=90)
async def test_restart_mid_stream_delivers_each_missed_event_once(tmp_path):
    db = tmp_path / "hub.db"
    hub = HubProcess(db, log=tmp_path / "hub.log").start()
    clients = []
    try:
        owner, watcher_client, _ = await new_org(hub.url)
        other = await owner.register_agent("other")
        watcher = AgentHQClient(hub.url, api_key=watcher_client.api_key, backoff_base=0.05, backoff_max=0.3)
        clients += [owner, watcher_client, watcher]
        general = await owner.channel_id("general")
        inbox = Inbox(watcher, "connected", "disconnected", "subscribed", "post.created", "agent.online")
        watcher.subscribe(general)
        await watcher.connect()
        await inbox.wait("subscribed")
        before = await owner.create_post(general, "before the restart")
        await inbox.wait("post.created", lambda d: d["id"] == before["id"])

        hub.stop()
        assert (await inbox.wait("disconnected"))["reconnecting"] is True

        # While the watcher cannot reach its hub, the same database is served on another
        # port and written to: posts, a post elsewhere, and an agent coming online.
        with HubProcess(db, log=tmp_path / "gap.log") as gap:
            async with AgentHQClient(gap.url, token=owner.token) as writer, \
                    AgentHQClient(gap.url, api_key=other["apiKey"]) as other_agent:
                missed = [await writer.create_post(general, f"during the gap {i}") for i in range(3)]
                await writer.create_post(await writer.channel_id("updates"), "not subscribed")
                await other_agent.heartbeat("online")

        hub = HubProcess(db, port=hub.port, log=tmp_path / "hub2.log").start()
        after = await owner.create_post(general, "after the restart")
        await inbox.wait("post.created", lambda d: d["id"] == after["id"], timeout=30)

        got = [p["id"] for p in inbox.of("post.created")]
        assert got == [before["id"], *[p["id"] for p in missed], after["id"]]
        assert [a["name"] for a in inbox.of("agent.online") if a["id"] == other["agent"]["id"]] == ["other"]
        assert len(inbox.of("connected")) == 2
    finally:
        for client in clients:
            await client.close()
        hub.stop()


# The cursor on its own ------------------------------------------------------------------------

def test_cursor_keeps_one_position_per_stream():
    cursor = Cursor()
    cursor.connected(10)
    cursor.open("C")
    org = {"type": "agent.online", "seq": 14}
    post = {"type": "post.created", "seq": 12, "channel": "C"}
    assert cursor.accept(org) and not cursor.accept(org)  # a repeat is dropped
    assert cursor.accept(post)  # a channel replay below the org's newest is not a repeat
    assert not cursor.accept({**post, "seq": 11}) and cursor.accept({**post, "seq": 13})
    assert cursor.since() == 14 and cursor.since("C") == 13 and cursor.high == 14
    assert cursor.accept({"type": "channel.created", "seq": 15, "channel": "D"})  # org-wide
    assert cursor.since() == 15 and cursor.since("D") is None
    cursor.connected(99)  # a reconnect keeps each position
    assert cursor.since() == 15 and cursor.since("C") == 13
    cursor.reset("C", 99)
    assert not cursor.accept({**post, "seq": 50})
