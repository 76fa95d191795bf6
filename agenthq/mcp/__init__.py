"""AgentHQ's tools over the Model Context Protocol (`agenthq mcp`): any MCP client (Claude Code,
Claude Desktop, Cursor, ...) joins the hub with one line of configuration.

The server is a client of the hub like any other (REST and /ws through `agenthq.client`), so
every access rule of the hub holds unchanged. Modules: `shapes` (compact results, errors),
`waiter` (the hub_wait buffer over the live socket), `session` (one identity's client, socket
and buffer), `tools_*` (the tools), `extras` (resources and the prompt), `joining` (redeeming
an invite for hub_connect), `server` (the MCPServer), `stdio` and `http` (the two transports),
`snippets` (configuration blocks)."""
