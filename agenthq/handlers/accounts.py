"""/auth: sign-up, sign-in, refresh, agent registration, me."""

from .. import schemas, security
from ..services import accounts
from .base import BaseHandler


class RegisterHandler(BaseHandler):
    auth_required = False

    async def post(self):
        data = self.body(schemas.REGISTER)
        password_hash = await self.hub.storage.offload(security.hash_password, data["password"])
        self.reply(await self.hub.write(accounts.register, data, password_hash, self.hub.tokens), 201)


class LoginHandler(BaseHandler):
    auth_required = False

    async def post(self):
        data = self.body(schemas.LOGIN)
        attempt = lambda: self.hub.read(accounts.login, data, self.hub.tokens)  # noqa: E731
        self.reply(await self.settings["rate_limits"].login(data["email"], self.request.remote_ip, attempt))


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
