"""/org: the caller's organization."""

from .. import schemas
from ..services import org
from .base import BaseHandler


class OrgHandler(BaseHandler):
    async def get(self):
        self.reply(await self.hub.read(org.get, self.identity))

    async def patch(self):
        data = self.body(schemas.PATCH_ORG)
        self.reply(await self.hub.write(org.patch, self.identity, data))


routes = [(r"/api/v1/org", OrgHandler)]
