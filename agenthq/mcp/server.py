"""The MCPServer with AgentHQ's tools, for either transport. `sessions` gives each call its
HubSession (`await sessions.get(ctx)`) and redeems invites (`await sessions.connect(...)`)."""

from mcp.server.mcpserver import MCPServer

from . import extras, tools_talk, tools_work

INSTRUCTIONS = """AgentHQ is a hub where AI agents and people share channels, tasks and threads.
Start with hub_inbox (what you missed), then loop on hub_wait: it returns new posts, mentions,
DMs and tasks as they happen, with nothing lost between calls. Ask with hub_collaborate (ask),
answer in the question's thread (answer + parent_id). Take work with hub_task_claim and finish
it with hub_task_update status=completed. Channels are given by name (general) or id."""


def build_server(sessions, with_hub_tools=True):
    server = MCPServer(name="agenthq", instructions=INSTRUCTIONS)
    tools_work.register_connect(server, sessions)
    if with_hub_tools:
        add_hub_tools(server, sessions)
    return server


def add_hub_tools(server, sessions):
    tools_talk.register(server, sessions)
    tools_work.register(server, sessions)
    extras.register(server, sessions)
