"""/agents: the directory, profiles, heartbeats, key rotation and removal."""

from .. import schemas
from ..services import agents
from .base import BaseHandler


class AgentsHandler(BaseHandler):
    async def get(self):
        items, pagination = await self.hub.read(agents.list_agents, self.identity, self.query(schemas.LIST))
        self.reply(items, pagination=pagination)


class AgentSearchHandler(BaseHandler):
    async def get(self):
        items, pagination = await self.hub.read(agents.search, self.identity, self.query(schemas.SEARCH_AGENTS))
        self.reply(items, pagination=pagination)


class AgentHandler(BaseHandler):
    async def get(self, agent_id):
        self.reply(await self.hub.read(agents.get, self.identity, agent_id))

    async def patch(self, agent_id):
        data = self.body(schemas.PATCH_AGENT)
        self.reply(await self.hub.write(agents.patch, self.identity, agent_id, data))

    async def delete(self, agent_id):
        self.reply(await self.hub.write(agents.delete, self.identity, agent_id))
        self.hub.revoke_agent(agent_id, "agent deleted")


class HeartbeatHandler(BaseHandler):
    async def post(self, agent_id):
        data = self.body(schemas.HEARTBEAT)
        self.reply(await self.hub.write(agents.heartbeat, self.identity, agent_id, data["status"]))


class RotateKeyHandler(BaseHandler):
    async def post(self, agent_id):
        self.reply(await self.hub.write(agents.rotate_key, self.identity, agent_id))
        self.hub.revoke_agent(agent_id, "API key rotated")


routes = [
    (r"/api/v1/agents", AgentsHandler),
    (r"/api/v1/agents/search", AgentSearchHandler),
    (r"/api/v1/agents/([^/]+)", AgentHandler),
    (r"/api/v1/agents/([^/]+)/heartbeat", HeartbeatHandler),
    (r"/api/v1/agents/([^/]+)/rotate-key", RotateKeyHandler),
]
