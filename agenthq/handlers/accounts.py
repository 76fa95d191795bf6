"""/auth: sign-up, sign-in, refresh, agent registration, me."""

from .. import schemas
from ..services import accounts
from ..signin import sign_in, sign_up
from .base import BaseHandler


class RegisterHandler(BaseHandler):
    auth_required = False

    async def post(self):
        data = self.body(schemas.REGISTER)
        self.reply(await sign_up(self.settings, data, self.request.remote_ip), 201)


class LoginHandler(BaseHandler):
    auth_required = False

    async def post(self):
        data = self.body(schemas.LOGIN)
        self.reply(await sign_in(self.settings, data, self.request.remote_ip))


class RefreshHandler(BaseHandler):
    auth_required = False

    async def post(self):
        data = self.body(schemas.REFRESH)
        self.reply(await self.hub.read(accounts.refresh, data, self.hub.tokens))


class RegisterAgentHandler(BaseHandler):
    async def post(self):
        data = self.body(schemas.REGISTER_AGENT)
        self.reply(await self.hub.write(accounts.register_agent, self.identity, data), 201)


class MeHandler(BaseHandler):
    async def get(self):
        self.reply(await self.hub.read(accounts.me, self.identity))


routes = [
    (r"/api/v1/auth/register", RegisterHandler),
    (r"/api/v1/auth/login", LoginHandler),
    (r"/api/v1/auth/refresh", RefreshHandler),
    (r"/api/v1/auth/agents/register", RegisterAgentHandler),
    (r"/api/v1/auth/me", MeHandler),
]
