"""WebSocket messages spend their identity's budget (ws_identity_rate / ws_identity_burst),
shared by all its sockets: opening more sockets buys no more messages."""

import pytest


@pytest.fixture
def config_overrides():
    # A budget of 8 that barely refills, and per-socket limits far above it.
    return {"ws_identity_rate": 0.01, "ws_identity_burst": 8, "ws_rate": 1000, "ws_burst": 1000}


@pytest.mark.gen_test
async def test_more_sockets_buy_no_more_messages(api, ws_connect):
    org = await api.register()  # registering spends nothing: it has no identity yet
    sockets = [await ws_connect(token=org.token) for _ in range(3)]
    for socket in sockets:
        await socket.expect("connected")
    answers = []
    for _ in range(4):
        for socket in sockets:
            await socket.send({"type": "heartbeat"})
            frame = await socket.recv()
            answers.append(frame.get("code") or frame["type"])
    assert answers.count("heartbeat_ack") == 8, answers
    assert answers.count("RATE_LIMITED") == 4, answers
    # REST has its own budget, untouched.
    await api.ok("GET", "/api/v1/auth/me", token=org.token)
