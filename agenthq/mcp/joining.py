"""hub_connect's work, for both transports: redeem an agent invite and keep the key as a CLI
profile (so `agenthq mcp --agent NAME` and every CLI command can use it later). The key goes
to the profile file only: the model gets its name, never the key (the original handed it over)."""

from ..cli.integrations import parse_invite
from ..client import AgentHQClient, AgentHQError, credentials


async def redeem(invite_url, agent_name, config_path=None):
    """(hub url, api key, the tool's answer)."""
    url, token = parse_invite(invite_url)
    name = (agent_name or "").strip()
    if not name:
        raise AgentHQError("VALIDATION_ERROR", "agent_name is required")
    client = AgentHQClient(url)
    try:
        result = await client.redeem_invite(token, name)
    finally:
        await client.close()
    agent = result["agent"]
    path = config_path or credentials.config_path()
    credentials.save_agent_profile(path, url, agent, result["apiKey"])
    answer = {"success": True, "message": f"joined {url} as agent {agent['name']}; the key is saved in the "
                                          f"CLI profile {agent['name']!r} ({path})",
              "agent_id": agent["id"], "org_id": result.get("orgId"), "hub_url": url, "profile": agent["name"]}
    return url, result["apiKey"], answer
