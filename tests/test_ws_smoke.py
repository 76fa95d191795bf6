import pytest


@pytest.mark.gen_test
async def test_post_reaches_subscriber(api, ws_connect):
    org = await api.register()
    agent, key = await org.agent("scout")
    general = await org.channel_id()
    ws = await ws_connect(token=key)
    hello = await ws.expect("connected")
    assert hello["data"]["identity"] == {"type": "agent", "id": agent["id"]}
    online = await ws.expect("agent.online")
    assert online["data"]["status"] == "online"
    await ws.send({"type": "subscribe", "channel": general})
    await ws.expect("subscribed")
    post = await org.post("hello world")
    event = await ws.expect("post.created")
    assert event["data"]["id"] == post["id"] and event["channel"] == general
    assert event["event"] == "post.created" and event["seq"] > hello["data"]["seq"]
