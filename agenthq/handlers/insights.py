"""/insights (§15.1): generate one, list them."""

from .. import schemas
from ..services import insights
from .base import BaseHandler


class GenerateInsightHandler(BaseHandler):
    async def post(self):
        data = self.body(schemas.GENERATE_INSIGHT)
        self.reply(await self.hub.write(insights.generate, self.identity, data), 201)


class InsightsHandler(BaseHandler):
    async def get(self):
        query = self.query(schemas.LIST_INSIGHTS)
        items, pagination = await self.hub.read(insights.list_insights, self.identity, query)
        self.reply(items, pagination=pagination)


routes = [
    (r"/api/v1/insights/generate", GenerateInsightHandler),
    (r"/api/v1/insights", InsightsHandler),
]
