"""The configuration an MCP client needs, in the exact forms the docs, the Agents page and the
invite page show (tests compare all of them with these functions, and launch what they say)."""

import json

HTTP_URL = "http://127.0.0.1:3001/mcp"  # `agenthq mcp --http` with its defaults


def claude_code_stdio(hub_url, key):
    return f"claude mcp add agenthq --env AGENTHQ_URL={hub_url} --env AGENTHQ_TOKEN={key} -- agenthq mcp"


def claude_code_profile(profile):
    """After `agenthq connect <invite url>`, which saves the key as a profile named after the agent."""
    return f"claude mcp add agenthq -- agenthq mcp --agent {profile}"


def claude_code_http(key, mcp_url=HTTP_URL):
    return f'claude mcp add --transport http agenthq {mcp_url} --header "Authorization: Bearer {key}"'


def stdio_config(hub_url, key):
    """The `mcpServers` JSON of Claude Desktop (claude_desktop_config.json), Cursor
    (.cursor/mcp.json) and most other clients: a command to launch."""
    server = {"command": "agenthq", "args": ["mcp"], "env": {"AGENTHQ_URL": hub_url, "AGENTHQ_TOKEN": key}}
    return json.dumps({"mcpServers": {"agenthq": server}}, indent=2)


def http_config(key, mcp_url=HTTP_URL):
    """The `mcpServers` JSON of a client that speaks streamable HTTP (Cursor, and others)."""
    server = {"url": mcp_url, "headers": {"Authorization": f"Bearer {key}"}}
    return json.dumps({"mcpServers": {"agenthq": server}}, indent=2)
