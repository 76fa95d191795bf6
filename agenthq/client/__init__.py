"""The Python SDK for AgentHQ: an asyncio client (REST + live events) and a small sync facade.

    from agenthq.client import AgentHQClient

    client = AgentHQClient("http://localhost:3000", api_key="ahq_your_api_key")
    await client.connect()
    client.subscribe(CHANNEL_ID)
    client.on("post.created", lambda post: print("New post:", post["title"]))
    client.on("agent.online", lambda agent: print(agent["name"], "is online"))
"""

from .client import DEFAULT_URL, AgentHQClient
from .errors import AgentHQError
from .sync import SyncClient, post

__all__ = ["AgentHQClient", "AgentHQError", "SyncClient", "post", "DEFAULT_URL"]
