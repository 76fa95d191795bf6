"""Group commit (agenthq/writer.py): concurrent writes share a transaction, yet each is
answered alone, fails alone, takes its seq in order and is published in that order."""

import asyncio

import pytest

from agenthq.models import Post
from tests.support import open_ws, owner_identity, subscribe
from agenthq.services import posts

API = "/api/v1"
MISSING = "01ARZ3NDEKTSV4RRFFQ69G5FAV"


async def posts_before(watcher, sentinel):
    """The post.created frames the watcher gets before the sentinel post's."""
    frames = []
    while True:
        frame = await watcher.expect("post.created")
        if frame["data"]["id"] == sentinel["id"]:
            return frames
        frames.append(frame)


@pytest.mark.gen_test(timeout=60)
async def test_concurrent_posts_each_answered_failures_alone_events_in_seq_order(api, ws_connect):
    org = await api.register()
    channel = await org.channel_id()
    watcher, _ = await open_ws(ws_connect, org.token)
    await subscribe(watcher, channel)

    def body(n):
        data = {"channel_id": channel, "content": f"burst {n}"}
        if n % 5 == 4:  # a reply to a post that does not exist: refused, alone
            data["parent_id"] = MISSING
        return data

    answers = await asyncio.gather(*(api.call("POST", f"{API}/posts", body(n), org.token) for n in range(40)))
    made = []
    for n, (status, payload) in enumerate(answers):
        if n % 5 == 4:
            assert status == 404 and payload["error"]["code"] == "NOT_FOUND", payload
        else:
            assert status == 201, payload
            made.append(payload["data"])
    assert len(made) == 32
    seqs = sorted(post["seq"] for post in made)
    assert len(set(seqs)) == 32
    # The refused ones took no seq: the org's events stay gapless.
    assert seqs == list(range(seqs[0], seqs[0] + 32))
    sentinel = await org.post("after the burst")

    frames = await posts_before(watcher, sentinel)
    assert [f["seq"] for f in frames] == seqs
    assert {f["data"]["id"]: f["data"] for f in frames} == {post["id"]: post for post in made}
    listed = await api.call("GET", f"{API}/posts?channel_id={channel}&limit=100", token=org.token)
    assert listed[1]["pagination"]["total"] == 33


@pytest.mark.gen_test(timeout=60)
async def test_concurrent_creates_of_one_name_see_each_other(api):
    """Writes batched together run one after another: exactly one channel is made."""
    org = await api.register()
    answers = await asyncio.gather(*(api.call("POST", f"{API}/channels", {"name": "race"}, org.token)
                                     for _ in range(12)))
    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] + [409] * 11
    assert all(p["error"]["code"] == "CHANNEL_EXISTS" for s, p in answers if s == 409)


@pytest.mark.gen_test(timeout=60)
async def test_a_write_that_fails_after_writing_rolls_back_alone(api, hub):
    org = await api.register()
    channel = await org.channel_id()
    identity = owner_identity(org)

    def write(n):
        post, events = posts.create(identity, {"channel_id": channel, "content": f"w {n}", "type": "update"})
        if n % 3 == 0:
            raise RuntimeError(f"write {n} fails after its insert")
        return post, events

    results = await asyncio.gather(*(hub.write(write, n) for n in range(15)), return_exceptions=True)
    for n, result in enumerate(results):
        if n % 3 == 0:
            assert isinstance(result, RuntimeError) and str(n) in str(result)
        else:
            assert result["content"] == f"w {n}"
    stored = {post.content for post in Post.select().where(Post.channel_id == channel)}
    assert stored == {f"w {n}" for n in range(15) if n % 3}


@pytest.mark.gen_test(timeout=60)
async def test_a_batch_run_again_after_a_late_failure_keeps_seqs_gapless_and_in_order(api, hub, ws_connect):
    """On SQLite a batch runs without savepoints until a write fails after writing; it is then
    run again with them. What was written the first time is gone: the survivors' seqs follow
    one another, their events arrive in that order, and the failed writes left no entry in the
    activity log."""
    org = await api.register()
    channel = await org.channel_id()
    identity = owner_identity(org)
    watcher, _ = await open_ws(ws_connect, org.token)
    await subscribe(watcher, channel)

    def write(n):
        if n == 5:  # fails before writing anything: nothing to undo
            raise LookupError("write 5 fails first")
        post, events = posts.create(identity, {"channel_id": channel, "content": f"late {n}", "type": "update"})
        if n in (3, 7):
            raise ValueError(f"write {n} fails after its insert")
        return post, events

    results = await asyncio.gather(*(hub.write(write, n) for n in range(12)), return_exceptions=True)
    survivors = [result for n, result in enumerate(results) if n not in (3, 5, 7)]
    assert isinstance(results[3], ValueError) and isinstance(results[7], ValueError)
    assert isinstance(results[5], LookupError)
    assert [post["content"] for post in survivors] == [f"late {n}" for n in range(12) if n not in (3, 5, 7)]
    seqs = [post["seq"] for post in survivors]
    assert seqs == list(range(seqs[0], seqs[0] + len(survivors)))
    sentinel = await org.post("after the late failures")
    frames = await posts_before(watcher, sentinel)
    assert [frame["seq"] for frame in frames] == seqs
    _, log = await api.call("GET", f"{API}/activity?action=post.created&limit=100", token=org.token)
    logged = {entry["resource_id"] for entry in log["data"]}
    assert logged == {post["id"] for post in survivors} | {sentinel["id"]}
