"""The /ws session on its own (agenthq/ws/session.py): a real Hub on a real SQLite file, but no
socket. The connection is a recording fake with the methods the session writes through,
so the subtle parts (replay hold-back, dedupe after resume, the outbound cap, liveness, the
rate limit, aliases) are driven step by step, with a clock the test moves."""

import asyncio
import json
import subprocess
import sys

import pytest

from agenthq.events import CHANNEL, ORG, Event
from agenthq.models import Channel
from agenthq.ratelimit import RateLimits
from agenthq.realtime import Close, Message
from agenthq.services import accounts, posts
from agenthq.ws.protocol import ConnectArgs
from agenthq.ws.outbound import CLOSED, FULL, SENT
from agenthq.ws.session import Session


class FakeConnection:
    """What the Tornado handler is to a session: it takes frames and a close, and says how
    much it has queued."""

    def __init__(self):
        self.frames, self.close_code, self.backlog = [], None, 0
        self.session = None

    def send_frame(self, frame, cap):
        if self.close_code is not None:
            return CLOSED
        if self.backlog > cap:
            return FULL
        assert frame[0] == 0x81  # a final text frame
        length, start = frame[1] & 0x7F, 2
        if length == 126:
            start = 4
        elif length == 127:
            start = 10
        self.frames.append(json.loads(frame[start:]))
        return SENT

    def queued(self):
        return self.backlog

    async def drain(self):
        self.backlog = 0
        return True

    def close(self, code=None, reason=None):
        if self.close_code is None:
            self.close_code = code
            self.session.closed()  # as Tornado's on_close does once the socket is gone

    def types(self):
        return [f["type"] for f in self.frames]


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def config_overrides():
    return {"ws_max_buffer": 10_000, "ws_rate": 1, "ws_burst": 3}


@pytest.fixture
def world(hub, io_loop):
    """An organization, its owner's token and its #general, written through the services."""

    async def make():
        data = {"orgName": "Acme", "orgSlug": "acme", "email": "o@acme.test", "name": "Owner"}
        result = await hub.write(accounts.register, data, "not-a-real-hash", hub.tokens)
        token = result["accessToken"]
        identity = await hub.authenticate(token)
        general = await hub.read(lambda: Channel.get((Channel.org_id == identity.org_id) & (Channel.name == "general")).id)
        return {"token": token, "identity": identity, "general": general}

    return io_loop.run_sync(make)


async def open_session(hub, token, clock=None, **args):
    connection = FakeConnection()
    session = Session(hub, RateLimits(hub.config), connection, **({"clock": clock} if clock else {}))
    connection.session = session
    await session.open(ConnectArgs(token=token, **args))
    assert connection.types()[-1] == "connected" or "since" in args, connection.frames
    return session, connection


async def post(hub, world, content):
    return await hub.write(posts.create, world["identity"], {"channel_id": world["general"], "content": content, "type": "update"})


def live(world, seq, content="live"):
    """A post event as the registry hands it over, with the Message it frames once."""
    event = Event(world["identity"].org_id, seq, "post.created", CHANNEL, world["general"],
                  {"id": f"p{seq}", "content": content, "channel_id": world["general"]}, "2026-01-01T00:00:00.000Z")
    return event, Message(event.encode())


@pytest.mark.gen_test
async def test_connect_registers_and_greets(hub, world):
    session, connection = await open_session(hub, world["token"])
    hello = connection.frames[0]
    assert hello["data"]["identity"]["id"] == world["identity"].id
    assert session in hub.registry.connections_of_org(world["identity"].org_id)
    session.close(1000)
    assert session not in hub.registry.connections_of_org(world["identity"].org_id)


@pytest.mark.gen_test
async def test_resume_holds_live_events_back_and_drops_duplicates(hub, world):
    await post(hub, world, "before")
    session, connection = await open_session(hub, world["token"])
    since = connection.frames[0]["data"]["seq"]
    for i in range(3):
        await post(hub, world, f"logged {i}")
    task = asyncio.ensure_future(session.receive(json.dumps({"type": "subscribe", "channel": world["general"], "since": since})))
    while world["general"] not in session._replaying:  # the replay has begun: live events wait
        assert not task.done(), connection.frames
        await asyncio.sleep(0)
    # Live while replaying: one the replay will also read (seq since+2), one after the log.
    session.deliver(*live(world, since + 2, "duplicate"))
    session.deliver(*live(world, since + 4, "new"))
    assert "post.created" not in connection.types()  # held back until the replay is out
    await task
    events = [f for f in connection.frames if f["type"] == "post.created"]
    assert [e["seq"] for e in events] == [since + 1, since + 2, since + 3, since + 4]
    assert events[1]["data"]["content"] == "logged 1"  # the logged copy, sent once
    # After the resume the live path drops anything the resume already sent.
    session.deliver(*live(world, since + 3, "late duplicate"))
    session.deliver(*live(world, since + 5))
    assert [f["seq"] for f in connection.frames if f["type"] == "post.created"][-1] == since + 5
    assert len([f for f in connection.frames if f["type"] == "post.created"]) == 5


@pytest.mark.gen_test
async def test_outbound_cap_cuts_a_slow_reader(hub, world):
    session, connection = await open_session(hub, world["token"])
    await session.receive(json.dumps({"type": "subscribe", "channel": world["general"]}))
    connection.backlog = hub.config.ws_max_buffer + 1
    session.deliver(*live(world, 99))
    assert connection.close_code == Close.SLOW
    assert "post.created" not in connection.types()


@pytest.mark.gen_test
async def test_events_held_during_a_replay_count_toward_the_cap(hub, world):
    session, connection = await open_session(hub, world["token"])
    session._replaying["org"] = []  # as during a resume
    big = Event(world["identity"].org_id, 50, "agent.updated", ORG, None, {"pad": "x" * 6000}, "t")
    session.deliver(big, Message(big.encode()))
    assert connection.close_code is None
    connection.backlog = 5000  # 6 KB held + 5 KB queued > 10 KB cap
    session.deliver(big, Message(big.encode()))
    assert connection.close_code == Close.SLOW


@pytest.mark.gen_test
async def test_every_inbound_frame_moves_the_idle_clock(hub, world):
    clock = Clock()
    session, connection = await open_session(hub, world["token"], clock=clock)
    assert session.last_message_at == 1000.0
    clock.now = 1010.0
    session.touch()  # what the handler calls on a ping or a pong
    assert session.last_message_at == 1010.0
    clock.now = 1020.0
    await session.receive("not json")  # even a bad message is a sign of life
    assert session.last_message_at == 1020.0 and connection.types()[-1] == "error"


@pytest.mark.gen_test
async def test_rate_limit_warns_then_closes(hub, world):
    clock = Clock()  # frozen: the bucket never refills
    session, connection = await open_session(hub, world["token"], clock=clock)
    for _ in range(3):
        await session.receive('{"type": "heartbeat"}')
    assert connection.types()[-3:] == ["heartbeat_ack"] * 3
    for _ in range(3):
        await session.receive('{"type": "heartbeat"}')
    assert [f.get("code") for f in connection.frames[-3:]] == ["RATE_LIMITED"] * 3
    assert connection.close_code is None
    await session.receive('{"type": "heartbeat"}')
    assert connection.close_code == Close.RATE


@pytest.mark.gen_test
async def test_deeply_nested_message_is_a_bad_message(hub, world):
    session, connection = await open_session(hub, world["token"])
    await session.receive("[" * 10_000)
    assert connection.frames[-1]["code"] == "BAD_MESSAGE" and connection.close_code is None


@pytest.mark.gen_test
async def test_alias_follows_its_event_only_on_original_form(hub, world):
    seed, seed_conn = await open_session(hub, world["token"])
    sdk, sdk_conn = await open_session(hub, world["token"])
    await seed.receive(json.dumps({"type": "subscribe", "channel": world["general"]}))
    # The original SDK's form makes the connection original-form from this frame on.
    await sdk.receive(json.dumps({"event": "subscribe", "data": {"channel": world["general"]}}))
    assert sdk.original_form and not seed.original_form
    event, message = live(world, 77)
    seed.deliver(event, message)
    sdk.deliver(event, message)
    assert seed_conn.types()[-1] == "post.created"
    assert sdk_conn.types()[-2:] == ["post.created", "post:new"]
    alias = sdk_conn.frames[-1]
    assert alias["event"] == "post:new" and alias["seq"] == 77 and alias["channel"] == world["general"]
    assert alias["data"] == event.data and alias["timestamp"] == event.timestamp


@pytest.mark.gen_test
async def test_aliases_from_the_start_with_the_query_flag(hub, world):
    session, connection = await open_session(hub, world["token"], aliases=True)
    assert session.original_form
    event = Event(world["identity"].org_id, 5, "agent.offline", ORG, None, {"id": "a1", "status": "offline"}, "ts")
    session.deliver(event, Message(event.encode()))
    assert connection.frames[-1]["data"] == {"agentId": "a1", "status": "offline", "timestamp": "ts"}


def test_every_alias_of_the_event_table_has_its_data_builder():
    """The names live in agenthq/events.py's table; the shapes in agenthq/ws/aliases.py."""
    from agenthq.events import KINDS
    from agenthq.ws.aliases import BUILDERS

    assert {kind.alias for kind in KINDS if kind.alias} == set(BUILDERS)
    assert len([kind for kind in KINDS if kind.alias]) == 14  # every row of spec 6.4


@pytest.mark.parametrize("name, data, expected", [
    ("notification.created", {"id": "n1", "recipient_id": "u1", "kind": "mention"},
     {"id": "n1", "recipient_id": "u1", "kind": "mention", "recipientId": "u1",
      "notification": {"id": "n1", "recipient_id": "u1", "kind": "mention"}}),
    ("task.claimed", {"id": "t1", "title": "x"}, {"id": "t1", "title": "x", "task": {"id": "t1", "title": "x"}}),
    ("reaction.created", {"id": "r1", "post_id": "p1", "emoji": "+1", "author_id": "a1", "author_type": "agent",
                          "channel_id": "c", "count": 1},
     {"postId": "p1", "emoji": "+1", "author_id": "a1", "author_type": "agent",
      "reaction": {"id": "r1", "post_id": "p1", "emoji": "+1", "author_id": "a1", "author_type": "agent",
                   "channel_id": "c", "count": 1}}),
    ("reaction.deleted", {"post_id": "p1", "channel_id": "c", "emoji": "+1", "author_id": "a1", "author_type": "user",
                          "count": 0},
     {"postId": "p1", "emoji": "+1", "author_id": "a1", "author_type": "user"}),
    ("insight.created", {"id": "i1", "title": "t"}, {"id": "i1", "title": "t"}),
])
def test_alias_data_of_events_still_to_come(name, data, expected):
    from agenthq.ws.aliases import alias_text

    frame = json.loads(alias_text(Event("o", 9, name, ORG, None, data, "ts")))
    assert frame["data"] == expected and frame["seq"] == 9 and frame["type"] == frame["event"]


def test_the_session_imports_no_tornado():
    code = "import sys, agenthq.ws.session; print('tornado' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
