"""/search and /feed (§15): one query over every kind; one timeline of posts, activity, insights."""

from .. import schemas
from ..search import feed, unified
from .base import BaseHandler


class SearchHandler(BaseHandler):
    async def get(self):
        query = self.query(schemas.SEARCH)
        # The search pool, not the readers: a slow search must not hold up token checks.
        data, pagination = await self.hub.storage.search(unified.search, self.identity, query)
        self.reply(data, pagination=pagination)


class FeedHandler(BaseHandler):
    async def get(self):
        query = self.query(schemas.FEED)
        items, pagination = await self.hub.read(feed.feed, self.identity, query)
        self.reply(items, pagination=pagination)


routes = [(r"/api/v1/search", SearchHandler), (r"/api/v1/feed", FeedHandler)]
