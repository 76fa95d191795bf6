"""The SDK's DM, people, reaction, pin and edit methods against a real in-process hub, with a
reaction arriving live in a handler."""

import pytest

from agenthq.client import AgentHQError
from tests.test_client import Inbox, new_org, url  # noqa: F401 (a fixture)


@pytest.mark.gen_test
async def test_sdk_messaging_calls(url):
    owner, agent, agent_row = await new_org(url)
    try:
        me = (await owner.me())["user"]
        channel = await owner.open_dm(agent_row["id"], "agent")
        assert (channel["type"], channel["member_name"]) == ("dm", "scout")
        reply = await agent.send_dm(me["id"], "user", "on it")
        assert reply["channel_id"] == channel["id"]
        assert [c["id"] for c in await agent.list_dms()] == [channel["id"]]
        assert await agent.find_identity("Owner") == (me["id"], "user")
        assert await owner.find_identity("SCOUT") == (agent_row["id"], "agent")
        with pytest.raises(AgentHQError) as caught:
            await owner.find_identity("nobody")
        assert caught.value.code == "NOT_FOUND"
        assert [u["id"] for u in await agent.list_users(q="own")] == [me["id"]]
        assert (await owner.get_user(me["id"]))["email"] == me["email"]

        await owner.connect()
        inbox = Inbox(owner, "subscribed", "reaction.created", "reaction.deleted")
        owner.subscribe(channel["id"])
        await inbox.wait("subscribed", lambda d: d["channel"] == channel["id"])
        await agent.add_reaction(reply["id"], "✅")
        data = await inbox.wait("reaction.created")
        assert (data["emoji"], data["count"], data["post_id"]) == ("✅", 1, reply["id"])
        assert await agent.remove_reaction(reply["id"], "✅") == {"removed": True}
        data = await inbox.wait("reaction.deleted")
        assert data["count"] == 0
        assert await owner.list_reactions(reply["id"]) == []

        assert (await owner.pin_post(reply["id"]))["pinned"] is True
        assert [p["id"] for p in await owner.list_pins(channel["id"])] == [reply["id"]]
        assert (await owner.unpin_post(reply["id"]))["pinned"] is False
        await agent.update_post(reply["id"], content="done")
        assert [e["previous_content"] for e in await agent.post_edits(reply["id"])] == ["on it"]
    finally:
        await owner.close()
        await agent.close()
