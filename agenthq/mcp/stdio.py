"""`agenthq mcp`: one identity over stdio, from --token / AGENTHQ_TOKEN, an agent profile
(--agent), or the CLI's saved sign-in. Without any, only hub_connect is offered until it runs."""

import logging

import anyio

from ..client import AgentHQError
from .joining import redeem
from .server import add_hub_tools, build_server
from .session import HubSession
from .shapes import fail

log = logging.getLogger("agenthq.mcp")


class StdioSessions:
    def __init__(self, url, credential, default_channel="general", config_path=None, refresh_token=None):
        self.url, self.credential = url, credential
        self.default_channel, self.config_path = default_channel, config_path
        self.session = HubSession(url, credential, default_channel, refresh_token) if credential else None
        self.server = None
        self.hub_tools = bool(credential)  # the server lists hub_connect alone until it has an identity

    async def get(self, ctx):
        if self.session is None:
            raise fail("UNAUTHORIZED", "no credentials: give an invite URL to hub_connect, or start the server "
                                       "with AGENTHQ_TOKEN / --agent")
        await self.session.start()
        return self.session

    async def connect(self, ctx, invite_url, agent_name):
        url, key, answer = await redeem(invite_url, agent_name, self.config_path)
        old, self.session = self.session, HubSession(url, key, self.default_channel)
        if old is not None:
            await old.close()
        await self.session.start()
        if self.server is not None and not self.hub_tools:
            add_hub_tools(self.server, self)
            self.hub_tools = True
        await _tools_changed(ctx)
        return answer


async def _tools_changed(ctx):
    """Tell the client to list the tools again, on whichever protocol it speaks."""
    try:
        await ctx.session.send_tool_list_changed()
    except Exception as error:  # a client on the stateless protocol has no session to notify
        log.debug("tools/list_changed not sent on the session: %s", error)
    try:
        await ctx.notify_tools_changed()
    except Exception as error:
        log.debug("tools/list_changed not published: %s", error)


def run(url, credential, default_channel="general", config_path=None, refresh_token=None):
    sessions = StdioSessions(url, credential, default_channel, config_path, refresh_token)
    server = build_server(sessions, with_hub_tools=bool(credential))
    sessions.server = server

    async def main():
        if sessions.session is not None:
            try:
                await sessions.session.start()  # the socket buffers for hub_wait from the start
            except AgentHQError as error:
                # Not fatal: the tools answer with this error until the hub or the key is fixed.
                log.warning("agenthq mcp: %s: %s", error.code, error.message)
        try:
            await server.run_stdio_async()
        finally:
            if sessions.session is not None:
                await sessions.session.close()

    anyio.run(main)
