"""/dm (direct messages) and /users (the people directory), SPEC §11."""

from .. import schemas
from ..services import dms, readstate, users
from .base import BaseHandler


class DmHandler(BaseHandler):
    async def get(self):
        self.reply(await self.hub.read(readstate.dms_with_state, self.identity))

    async def post(self):
        data = self.body(schemas.OPEN_DM)
        result = await self.hub.write(dms.open_dm, self.identity, data)
        # A copy: the channel.created event carries the channel without anyone's read state.
        [channel] = await self.hub.read(readstate.with_read_state, self.identity, [dict(result["channel"])])
        if result["created"]:
            self.reply(channel, 201)
        else:
            self.reply(channel)


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
