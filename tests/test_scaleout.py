"""Scale-out: several hub processes (real subprocesses) on one PostgreSQL database and one
Redis, both real servers. A client of one process hears what is written through another, in
seq order, once; presence holds across processes; a killed process's agents go offline; Redis
restarted under load loses nothing for clients that resume with `since`."""

import asyncio
import itertools
import json
import signal
import subprocess
import sys

import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPClientError
from tornado.websocket import WebSocketClosedError

from tests.support import ROOT, Api, HubProcess, Redis, WsClient, subscribe

API = "/api/v1"
# Quick presence so that a killed process's agents go offline within seconds; a high REST
# burst so that the load test meets the database, not the limiter.
FAST = {"AGENTHQ_HEARTBEAT_INTERVAL": "5", "AGENTHQ_PRESENCE_TIMEOUT": "2", "AGENTHQ_REST_BURST": "100000"}


@pytest.fixture
def redis():
    server = Redis().start()
    yield server
    server.stop()


@pytest.fixture
def database(pg_server):
    name, url = pg_server.fresh_database()
    yield url
    pg_server.drop_database(name)


@pytest.fixture
def hubs(database, redis, tmp_path):
    """start(n) -> n hub processes on the same database and Redis; all stopped after."""
    started = []

    def start(count=2, env=None):
        for _ in range(count):
            hub = HubProcess(database, args=["--redis", redis.url], env={**FAST, **(env or {})},
                             log=tmp_path / f"hub{len(started)}.log")
            started.append(hub.start())
        return started[-count:]

    yield start
    for hub in started:
        hub.stop()


def api_for(hub):
    return Api(AsyncHTTPClient(), hub.url)


async def open_socket(hub, token, since=None):
    client = await WsClient.open(f"ws://127.0.0.1:{hub.port}/ws", token, since)
    connected = await client.expect("connected")
    return client, connected["data"]["seq"]


async def posts_heard(client, count, timeout=20):
    """The next `count` post.created frames (other frames skipped)."""
    heard = []
    while len(heard) < count:
        heard.append(await client.expect("post.created", timeout))
    return heard


@pytest.mark.gen_test(timeout=60)
async def test_a_post_through_one_process_reaches_clients_of_both_in_order(hubs):
    a, b = hubs(2)
    org = await api_for(a).register()
    general = await org.channel_id()
    on_a, _ = await open_socket(a, org.token)
    on_b, _ = await open_socket(b, org.token)
    for client in (on_a, on_b):
        await subscribe(client, general)

    # Posts through both processes at once: their seqs interleave, so each process's
    # subscribers get some events from Redis before the ones ahead of them.
    apis = itertools.cycle([api_for(a), api_for(b)])
    bodies = [{"channel_id": general, "content": f"post {i}"} for i in range(40)]
    created = await asyncio.gather(*(next(apis).ok("POST", f"{API}/posts", body, token=org.token, status=201)
                                     for body in bodies))
    for client in (on_a, on_b):
        heard = await posts_heard(client, len(created))
        seqs = [frame["seq"] for frame in heard]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs), seqs
        assert {frame["data"]["id"] for frame in heard} == {post["id"] for post in created}
    # The log agrees: one seq per event, none skipped, across both writers.
    resumed, _ = await open_socket(b, org.token)
    await subscribe(resumed, general, since=0)
    replayed = await posts_heard(resumed, len(created))
    assert [frame["seq"] for frame in replayed] == [frame["seq"] for frame in heard]


@pytest.mark.gen_test(timeout=60)
async def test_presence_holds_across_processes(hubs):
    a, b = hubs(2)
    org = await api_for(a).register()
    agent, key = await org.agent("roamer")
    watch_b, _ = await open_socket(b, org.token)

    first, _ = await open_socket(a, key)
    online = await watch_b.expect("agent.online")
    assert online["data"]["id"] == agent["id"]

    # A second socket on B, then the one on A closes: the agent still has a socket
    # somewhere, so it stays online.
    second, _ = await open_socket(b, key)
    # Tornado hands over messages only once open() has finished, so this ack means B has
    # recorded the socket (in Redis too) before A's is closed.
    await second.send({"type": "heartbeat"})
    await second.expect("heartbeat_ack")
    first.close()
    await first.closed()
    # A marker written through A after its close was handled: every event A's close could
    # have caused comes before it.
    marker = await org.post("marker")
    await subscribe(watch_b, await org.channel_id())
    stored = await api_for(b).ok("GET", f"{API}/agents/{agent['id']}", token=org.token)
    assert stored["status"] == "online"

    second.close()
    offline = await watch_b.expect("agent.offline", timeout=10)
    assert offline["data"]["id"] == agent["id"]
    between = [f["type"] for f in watch_b.frames if f["type"] in ("agent.online", "agent.offline")]
    assert between == ["agent.online", "agent.offline"], between
    assert marker["id"]


@pytest.mark.gen_test(timeout=60)
async def test_a_killed_process_has_its_agents_go_offline(hubs):
    a, b = hubs(2)
    org = await api_for(a).register()
    agent, key = await org.agent("doomed")
    watch_a, _ = await open_socket(a, org.token)
    await open_socket(b, key)
    assert (await watch_a.expect("agent.online"))["data"]["id"] == agent["id"]

    b.process.send_signal(signal.SIGKILL)
    b.process.wait()
    # No goodbye from B: A's sweep finds neither a fresh heartbeat nor a live socket entry
    # (B's expired with the presence timeout) and takes the agent offline.
    while True:
        await watch_a.send({"type": "heartbeat"})  # keeps the watcher from being idle-closed
        try:
            frame = await watch_a.expect("agent.offline", timeout=0.5)
            break
        except asyncio.TimeoutError:
            continue
    assert frame["data"]["id"] == agent["id"]


@pytest.mark.gen_test(timeout=60)
async def test_events_whose_publish_was_lost_reach_sockets_from_the_log(hubs, database, tmp_path):
    # A third process on the same database without Redis commits events and never publishes
    # them: what a process that died between commit and publish, or lost its Redis connection
    # at the wrong moment, leaves behind. B's socket must hear them from the log, in order.
    a, b = hubs(2)
    mute = HubProcess(database, env=FAST, log=tmp_path / "mute.log").start()
    try:
        org = await api_for(a).register()
        general = await org.channel_id()
        listener, _ = await open_socket(b, org.token)
        await subscribe(listener, general)
        unpublished = await api_for(mute).ok("POST", f"{API}/posts", {"channel_id": general, "content": "lost"},
                                             token=org.token, status=201)
        published = await org.post("heard")  # through A: a later seq, by Redis
        assert [f["data"]["id"] for f in await posts_heard(listener, 2)] == [unpublished["id"], published["id"]]
        # The newest event lost: no later one shows the gap, the tail check reads it.
        last = await api_for(mute).ok("POST", f"{API}/posts", {"channel_id": general, "content": "lost last"},
                                      token=org.token, status=201)
        assert (await posts_heard(listener, 1))[0]["data"]["id"] == last["id"]
    finally:
        mute.stop()


class Follower:
    """A subscriber that, like a good client, reconnects (to whichever process answers)
    and resumes with the last seq it saw whenever its socket is closed. What it met on the
    way (refusals, closes, seqs) is kept for the failure report."""

    def __init__(self, hubs, token, channel):
        self.hubs, self.token, self.channel = itertools.cycle(hubs), token, channel
        self.last, self.posts, self.closes, self.refusals, self.sessions = None, [], [], [], []

    async def run(self, stop):
        while not stop.is_set():
            hub = next(self.hubs)
            try:
                client, seq = await open_socket(hub, self.token, since=self.last)
                subscribed = await subscribe(client, self.channel, since=self.last if self.last is not None else seq)
                self.last = self.last if self.last is not None else seq
                self.sessions.append((hub.port, self.last, subscribed.get("data")))
            except (AssertionError, OSError, WebSocketClosedError, HTTPClientError, asyncio.TimeoutError) as refused:
                self.refusals.append(repr(refused)[:120])
                await asyncio.sleep(0.1)  # refused while Redis is away: try again
                continue
            while True:
                try:
                    raw = await asyncio.wait_for(client.conn.read_message(), 0.5)
                except asyncio.TimeoutError:
                    if stop.is_set():
                        client.close()
                        return
                    continue
                if raw is None:
                    self.closes.append(client.conn.close_code)
                    break
                frame = json.loads(raw)
                if "seq" in frame and frame["type"].startswith("post."):
                    assert frame["seq"] > self.last, (frame["seq"], self.last)
                    self.last = frame["seq"]
                    self.posts.append(frame["data"]["id"])

    def report(self, accepted):
        return (f"missing {sorted(set(accepted) - set(self.posts))[:10]} (heard {len(set(self.posts))} of "
                f"{len(accepted)}), last seq {self.last}, closes {self.closes}, refusals {self.refusals[-5:]}, "
                f"sessions {self.sessions[-5:]}")


@pytest.mark.gen_test(timeout=120)
async def test_redis_restarted_under_load_loses_nothing(hubs, redis):
    a, b = hubs(2)
    org = await api_for(a).register()
    general = await org.channel_id()
    stop = asyncio.Event()
    followers = [Follower([a, b], org.token, general), Follower([b, a], org.token, general)]
    tasks = [asyncio.ensure_future(f.run(stop)) for f in followers]
    while any(f.last is None for f in followers):
        await asyncio.sleep(0.05)

    accepted, refused = [], []

    async def poster(hub, count):
        api = api_for(hub)
        for i in range(count):
            while True:
                status, body = await api.call("POST", f"{API}/posts", {"channel_id": general, "content": f"p{i}"},
                                              token=org.token)
                if status == 201:
                    accepted.append(body["data"]["id"])
                    break
                assert status == 503 and body["error"]["code"] == "UNAVAILABLE", (status, body)
                refused.append(status)
                await asyncio.sleep(0.05)

    load = [asyncio.ensure_future(poster(hub, 60)) for hub in (a, b)]
    while len(accepted) < 30:
        await asyncio.sleep(0.01)
    redis.kill()
    await asyncio.sleep(0.5)
    redis.start()
    await asyncio.gather(*load)
    # Every accepted post is in the log; wait until each follower has heard them all. A
    # follower that died or is still missing posts after the deadline fails the test with
    # what it met and the hubs' logs, so a lost delivery can be told from a slow one.
    deadline = asyncio.get_running_loop().time() + 30
    while any(len(set(f.posts)) < len(accepted) for f in followers):
        dead = [task for task in tasks if task.done()]
        late = asyncio.get_running_loop().time() > deadline
        if dead or late:
            stop.set()
            logs = "\n".join(f"--- hub :{hub.port}\n" + hub.log_path.read_text()[-3000:] for hub in (a, b))
            reports = "\n".join(f.report(accepted) for f in followers)
            died = [repr(task.exception()) for task in dead if task.exception()]
            raise AssertionError(f"followers incomplete (died: {died}, refused posts: {len(refused)}):\n"
                                 f"{reports}\n{logs}")
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.gather(*tasks)
    for follower in followers:
        assert sorted(follower.posts) == sorted(accepted)  # every one, once
        assert follower.closes and set(follower.closes) <= {1013}, follower.closes


def test_workers_refuse_sqlite(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "run.py"), "--workers", "2", "--db", str(tmp_path / "x.db")],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert "--workers 2 needs a PostgreSQL database" in result.stderr


@pytest.mark.gen_test(timeout=60)
async def test_workers_serve_one_port(database, redis, tmp_path):
    hub = HubProcess(database, args=["--redis", redis.url, "--workers", "2"], env=FAST, log=tmp_path / "w.log")
    hub.start()
    try:
        org = await api_for(hub).register()
        general = await org.channel_id()
        listeners = []
        for _ in range(6):  # spread over both workers by the kernel
            client, _ = await open_socket(hub, org.token)
            await subscribe(client, general)
            listeners.append(client)
        post = await org.post("to every worker")
        for client in listeners:
            assert (await client.expect("post.created"))["data"]["id"] == post["id"]
    finally:
        assert hub.stop() == 0


@pytest.mark.gen_test(timeout=90)
async def test_postgresql_away_answers_503_then_recovers(tmp_path):
    from tests.support import Postgres

    pg = Postgres().start()  # its own cluster: this test stops it
    name, url = pg.fresh_database()
    hub = HubProcess(url, env=FAST, log=tmp_path / "hub.log").start()
    try:
        api = api_for(hub)
        org = await api.register()
        general = await org.channel_id()
        pg.halt()
        for _ in range(2):  # each database thread finds its connection dead once, then cannot connect
            await api.error("POST", f"{API}/posts", {"channel_id": general, "content": "lost?"}, token=org.token,
                            code="UNAVAILABLE", status=503)
            await api.error("GET", f"{API}/posts", token=org.token, code="UNAVAILABLE", status=503)
        pg.resume()
        while True:  # a thread whose connection died with the server reconnects on its next call
            status, body = await api.call("POST", f"{API}/posts", {"channel_id": general, "content": "back"},
                                          token=org.token)
            if status == 201:
                break
            assert status == 503, (status, body)
        listed = await api.ok("GET", f"{API}/posts?channel_id={general}", token=org.token)
        assert [p["content"] for p in listed] == ["back"]  # nothing refused was written
    finally:
        hub.stop()
        pg.stop()


@pytest.mark.gen_test(timeout=60)
async def test_rate_limits_hold_across_processes(hubs):
    # A burst of 5 for the whole cluster: each process alone would allow 5 more.
    a, b = hubs(2, env={"AGENTHQ_REST_BURST": "5", "AGENTHQ_REST_RATE": "0.01"})
    org = await api_for(a).register()
    for hub in (a, b, a, b, a):
        await api_for(hub).ok("GET", f"{API}/org", token=org.token)
    for hub in (b, a):
        await api_for(hub).error("GET", f"{API}/org", token=org.token, code="RATE_LIMITED", status=429)


@pytest.mark.gen_test(timeout=60)
@pytest.mark.parametrize("revoke", [("POST", "/rotate-key"), ("DELETE", "")], ids=["rotated", "deleted"])
async def test_an_agent_revoked_through_one_process_loses_its_sockets_on_the_other(hubs, revoke):
    a, b = hubs(2)
    org = await api_for(a).register()
    agent, key = await org.agent("revoked")
    await api_for(b).ok("GET", f"{API}/auth/me", token=key)  # B has seen the key
    socket, _ = await open_socket(b, key)
    method, suffix = revoke
    await api_for(a).ok(method, f"{API}/agents/{agent['id']}{suffix}", token=org.token)
    code, _ = await socket.closed(timeout=10)
    assert code == 4003
    await api_for(b).error("GET", f"{API}/auth/me", token=key, code="INVALID_API_KEY", status=401)
