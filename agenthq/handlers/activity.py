"""/activity: the append-only audit log."""

from .. import schemas
from ..services import activity
from .base import BaseHandler


class ActivityHandler(BaseHandler):
    async def get(self):
        query = self.query(schemas.LIST_ACTIVITY)
        items, pagination = await self.hub.read(activity.list_activity, self.identity, query)
        self.reply(items, pagination=pagination)

    async def post(self):
        data = self.body(schemas.CREATE_ACTIVITY)
        self.reply(await self.hub.write(activity.create, self.identity, data), 201)


routes = [(r"/api/v1/activity", ActivityHandler)]
