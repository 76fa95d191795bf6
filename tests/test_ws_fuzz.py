"""Property-based fuzzing of /ws with Hypothesis: random and malformed frames (text that is
not JSON, JSON that is not an object, objects with wrong or missing fields, ids of other
organizations and invisible channels, binary frames, oversized frames). For every batch the
hub answers each with a spec frame (an error, or the reply a valid message earns) or closes
with a spec code, is never stuck (a heartbeat sent after the batch is answered), never fails
inside (no INTERNAL, no logged error), and a bystander connection keeps getting its events.

The hub runs in its own process; the fuzzing client is websockets' synchronous one, so that
Hypothesis drives plain functions."""

import json
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.support import HubProcess, rest_ok

MAX_MESSAGE = 4096
REPLY_TYPES = {"subscribed", "unsubscribed", "heartbeat_ack", "error", "resync_required", "connected"}
ERROR_CODES = {"BAD_MESSAGE", "NOT_FOUND", "FORBIDDEN", "RATE_LIMITED", "TOO_MANY_SUBSCRIPTIONS"}
# 1009: a frame over the size limit; 4029: a client that keeps flooding past the rate limit.
CLOSE_CODES = {1009, 4029}
SEEN = Counter()  # what the fuzzing provoked, so a fuzzer that tests nothing is noticed


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    db = tmp_path_factory.mktemp("wsfuzz") / "fuzz.db"
    env = {"AGENTHQ_WS_MAX_MESSAGE": str(MAX_MESSAGE), "AGENTHQ_REST_RATE": "0"}
    with HubProcess(db, env=env) as hub:
        data = {}
        for slug in ("mine", "theirs"):
            reg = rest_ok(hub.url, "POST", "/api/v1/auth/register", {
                "orgName": slug, "orgSlug": slug, "email": f"owner@{slug}.test", "password": "fuzz-password",
                "name": "Owner"})
            token = reg["accessToken"]
            channels = {c["name"]: c["id"] for c in rest_ok(hub.url, "GET", "/api/v1/channels", token=token)}
            data[slug] = {"token": token, "general": channels["general"]}
        key = rest_ok(hub.url, "POST", "/api/v1/auth/agents/register", {"name": "fuzz-agent"}, data["mine"]["token"])["apiKey"]
        # A private channel of an agent: invisible to the owner who fuzzes.
        hidden = rest_ok(hub.url, "POST", "/api/v1/channels", {"name": "hidden", "type": "private"}, key)["id"]
        for i in range(3):  # something for a `since` to replay
            rest_ok(hub.url, "POST", "/api/v1/posts", {"channel_id": data["mine"]["general"], "content": f"p{i}"}, key)
        ws_url = f"ws://127.0.0.1:{hub.port}/ws"
        with connect(f"{ws_url}?token={key}", open_timeout=10, max_size=None) as bystander:
            _expect(bystander, "connected")
            bystander.send(json.dumps({"type": "subscribe", "channel": data["mine"]["general"]}))
            _expect(bystander, "subscribed")
            yield {"hub": hub, "url": ws_url, "key": key, "hidden": hidden, "bystander": bystander, **data}


def _expect(conn, type_, timeout=10):
    while True:
        frame = json.loads(conn.recv(timeout=timeout))
        if frame["type"] == type_:
            return frame


# -- what the fuzzer sends ----------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
KINDS = ["subscribe", "unsubscribe", "heartbeat", "auth", "ping", "post", "", "SUBSCRIBE", "connected", "error"]


def messages(world_ids):
    channel = st.sampled_from(world_ids) | json_values | st.text(max_size=5000)
    fields = st.fixed_dictionaries(
        {},
        optional={"channel": channel, "since": json_values | st.integers(-5, 10**20), "token": json_values,
                  "data": st.dictionaries(st.sampled_from(["channel", "since"]), channel, max_size=2) | json_values},
    )
    kind = st.sampled_from(KINDS) | json_values
    as_type = st.builds(lambda k, f: {"type": k, **f}, kind, fields)
    as_event = st.builds(lambda k, f: {"event": k, **f}, kind, fields)  # the original SDK's form
    # Nearly right messages reach deeper than wild ones: real and foreign ids, odd `since`.
    near = st.builds(
        _near, st.sampled_from(["subscribe", "unsubscribe", "heartbeat"]),
        st.sampled_from(world_ids) | st.sampled_from(world_ids) | st.text(max_size=30),
        st.none() | st.integers(0, 50) | st.none() | st.integers(-3, 10**6) | json_values,
        st.booleans(),
    )
    return (
        st.builds(json.dumps, near)
        | st.builds(json.dumps, near)
        | st.builds(json.dumps, as_type | as_event | json_values)
        | st.text(max_size=200)  # mostly not JSON at all
        | st.binary(max_size=200)  # binary frames
        | st.sampled_from(['{"type": "subscribe", "channel": ', "[]", "null", '"subscribe"', "{}", "\ufeff{}",
                           '{"type": NaN}', '{"type": "subscribe", "since": Infinity, "channel": "x"}',
                           "x" * (MAX_MESSAGE + 1), '{"type": "heartbeat"' + " " * MAX_MESSAGE + "}"])
    )


def _near(kind, channel, since, sdk_form):
    fields = {"channel": channel, **({} if since is None else {"since": since})}
    return {"event": kind, "data": fields} if sdk_form else {"type": kind, **fields}


def _check_frame(frame):
    assert isinstance(frame, dict) and isinstance(frame.get("type"), str), frame
    assert frame.get("event") == frame["type"] and isinstance(frame.get("data"), dict), frame
    if frame["type"] == "error":
        assert frame["code"] in ERROR_CODES, frame
    elif frame["type"] not in REPLY_TYPES:
        # An event (post.created) or, to an original-form connection, its alias (post:new).
        family = frame["type"].replace(":", ".").split(".")[0]
        assert family in ("post", "channel", "agent") and isinstance(frame["seq"], int), frame


def _exchange(url, token, batch):
    """Send the batch, then a heartbeat; read until its ack or a close. Returns the close
    code (None if still open) and the frames."""
    frames = []
    with connect(f"{url}?token={token}", open_timeout=10, max_size=None) as conn:
        _expect(conn, "connected")
        try:
            for message in batch:
                conn.send(message)
            conn.send(json.dumps({"type": "heartbeat"}))
            while True:
                frame = json.loads(conn.recv(timeout=10))  # a stuck connection fails here
                _check_frame(frame)
                if ":" in frame["type"]:  # an alias comes right behind its event, never alone
                    assert frames and frames[-1]["seq"] == frame["seq"] and "." in frames[-1]["type"], frames
                frames.append(frame)
                if frame["type"] == "heartbeat_ack":
                    return None, frames
        except ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd else None
            return code, frames


@pytest.fixture(scope="module")
def batches(world):
    ids = [world["mine"]["general"], world["theirs"]["general"], world["hidden"], "01" + "Z" * 24]
    return st.lists(messages(ids), min_size=1, max_size=6)


FUZZ = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])


@FUZZ
@given(data=st.data())
def test_any_frames_get_spec_answers_and_never_stick(world, batches, data):
    batch = data.draw(batches)
    code, frames = _exchange(world["url"], world["mine"]["token"], batch)
    if code is not None:
        assert code in CLOSE_CODES, (code, batch, frames)
        oversized = any(len(m) > MAX_MESSAGE for m in batch)
        assert code != 1009 or oversized, (batch, frames)
    errors = [f for f in frames if f["type"] == "error"]
    SEEN.update([f["type"] for f in frames] + [f["code"] for f in errors] + ([f"close {code}"] if code else []))
    assert all(f["code"] != "INTERNAL" for f in errors)
    # Each frame the hub could read earns at most one error (replay events aside).
    assert len(errors) <= len(batch), (batch, frames)


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(first=st.text(max_size=100) | st.builds(json.dumps, json_values)
       | st.builds(lambda t: json.dumps({"type": "auth", "token": t}), json_values))
def test_before_auth_anything_but_a_good_token_is_4001(world, first):
    with connect(world["url"], open_timeout=10, max_size=None) as conn:
        conn.send(first)
        frames = []
        try:
            while True:
                frames.append(json.loads(conn.recv(timeout=10)))
        except ConnectionClosed as closed:
            assert closed.rcvd and closed.rcvd.code == 4001, (first, frames)
        assert [f["type"] for f in frames] == ["error"] and frames[0]["code"] == "UNAUTHORIZED", frames


def test_bystander_unaffected_and_hub_logged_no_error(world):
    """Runs after the fuzzing (file order): the bystander still hears a new post, answers
    heartbeats, and the hub logged nothing but expected answers."""
    bystander = world["bystander"]
    post = rest_ok(world["hub"].url, "POST", "/api/v1/posts", {"channel_id": world["mine"]["general"], "content": "still here"},
                 world["mine"]["token"])
    assert _expect(bystander, "post.created")["data"]["id"] == post["id"]
    bystander.send(json.dumps({"type": "heartbeat"}))
    _expect(bystander, "heartbeat_ack")
    print("ws fuzz provoked:", dict(SEEN))
    # "close 1009" is not required here: when the hub closes on an oversized frame while the
    # client is still sending, the client's TCP stack may drop the close frame with the reset.
    # tests/test_ws_limits.py asserts the 1009 itself, deterministically.
    assert {"BAD_MESSAGE", "NOT_FOUND", "subscribed", "unsubscribed"} <= set(SEEN), SEEN
    log = world["hub"].log_path.read_text()
    assert "Traceback" not in log and "ERROR" not in log, log[-3000:]
