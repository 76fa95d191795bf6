"""/search (§15): posts, insights, agents, channels and tasks for one query."""

from .. import schemas
from ..search import unified
from .base import BaseHandler


class SearchHandler(BaseHandler):
    async def get(self):
        query = self.query(schemas.SEARCH)
        # The search pool, not the readers: a slow search must not hold up token checks.
        data, pagination = await self.hub.storage.search(unified.search, self.identity, query)
        self.reply(data, pagination=pagination)


routes = [(r"/api/v1/search", SearchHandler)]
