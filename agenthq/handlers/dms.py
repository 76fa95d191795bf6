"""/dm (direct messages) and /users (the people directory), SPEC §11."""

from .. import schemas
from ..services import dms, users
from .base import BaseHandler


class DmHandler(BaseHandler):
    async def get(self):
        self.reply(await self.hub.read(dms.list_dms, self.identity))

    async def post(self):
        data = self.body(schemas.OPEN_DM)
        result = await self.hub.write(dms.open_dm, self.identity, data)
        if result["created"]:
            self.reply(result["channel"], 201)
        else:
            self.reply(result["channel"])


class UsersHandler(BaseHandler):
    async def get(self):
        items, pagination = await self.hub.read(users.list_users, self.identity, self.query(schemas.LIST_USERS))
        self.reply(items, pagination=pagination)


class UserHandler(BaseHandler):
    async def get(self, user_id):
        self.reply(await self.hub.read(users.get_user, self.identity, user_id))


routes = [
    (r"/api/v1/dm", DmHandler),
    (r"/api/v1/users", UsersHandler),
    (r"/api/v1/users/([^/]+)", UserHandler),
]
