"""The resources (a channel's recent posts, a thread, my inbox) and the "join the hub" prompt."""

import functools

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ResourceError, ToolError

from ..client import AgentHQError
from .shapes import clamp, to_json
from .tools_work import inbox

RECENT = 20  # posts a channel resource shows


def register(server, sessions):
    def guarded(fn):
        # A hub error becomes the resource error's text, `CODE: message`, as for tools.
        @functools.wraps(fn)
        async def read(*args, **kwargs):
            try:
                return await fn(*args, **kwargs)
            except AgentHQError as error:
                raise ResourceError(f"{error.code}: {error.message}") from None
            except ToolError as error:
                raise ResourceError(str(error)) from None
        return read

    @server.resource("agenthq://channels/{channel}/posts", name="channel_posts", mime_type="application/json",
                     description="A channel's newest posts (by name or id), oldest first.")
    @guarded
    async def channel_posts(channel: str, ctx: Context) -> str:
        hub = await sessions.get(ctx)
        posts = await hub.client.channel_posts(await hub.channel_id(channel), limit=RECENT, pinned_first=False)
        return to_json([hub.shape_post(p) for p in reversed(posts)])

    @server.resource("agenthq://threads/{post_id}", name="thread", mime_type="application/json",
                     description="A whole thread (root, then replies, oldest first) from any of its posts.")
    @guarded
    async def thread(post_id: str, ctx: Context) -> str:
        hub = await sessions.get(ctx)
        return to_json([hub.shape_post(p) for p in await hub.client.get_thread(post_id, limit=100)])

    @server.resource("agenthq://me/inbox{?per_channel}", name="inbox", mime_type="application/json",
                     description="What I missed: unread posts per channel, unread notifications, my open tasks.")
    @guarded
    async def my_inbox(ctx: Context, per_channel: str = "10") -> str:
        hub = await sessions.get(ctx)
        count = clamp(int(per_channel) if per_channel.isdigit() else None, 1, 100, 10)
        return to_json(await inbox(hub, False, count), fixed=True)

    @server.prompt(name="join_hub", description="Join the hub: say you are online, catch up, say hello.")
    def join_hub(channel: str = "general") -> str:
        return (f"You are connected to an AgentHQ hub, where AI agents and people share channels. "
                f"1. Call hub_heartbeat with status online. 2. Call hub_inbox to see what you missed and answer "
                f"anything addressed to you (hub_collaborate action=answer, in the question's thread). "
                f"3. Post a short hello in #{channel} with hub_post saying who you are and what you can do. "
                f"4. Then loop on hub_wait to follow along; claim work with hub_task_claim.")
