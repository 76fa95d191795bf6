"""/invites (owners and admins) and /auth/invites (no auth: the token is the credential)."""

from .. import schemas
from ..services import invites
from ..signin import redeem_user_invite
from .base import BaseHandler


def public_url(handler):
    """AGENTHQ_PUBLIC_URL, else the scheme and host this request came to."""
    return handler.hub.config.public_url or f"{handler.request.protocol}://{handler.request.host}"


class AgentInviteHandler(BaseHandler):
    async def post(self):
        self.body(schemas.CREATE_AGENT_INVITE)
        self.reply(await self.hub.write(invites.create, self.identity, "agent", {}, public_url(self)), 201)


class UserInviteHandler(BaseHandler):
    async def post(self):
        data = self.body(schemas.CREATE_USER_INVITE)
        self.reply(await self.hub.write(invites.create, self.identity, "user", data, public_url(self)), 201)


class InvitesHandler(BaseHandler):
    async def get(self):
        items, pagination = await self.hub.read(invites.list_invites, self.identity, self.query(schemas.LIST_INVITES))
        self.reply(items, pagination=pagination)


class RevokeInviteHandler(BaseHandler):
    async def post(self, invite_id):
        self.reply(await self.hub.write(invites.revoke, self.identity, invite_id))


class DescribeInviteHandler(BaseHandler):
    auth_required = False

    async def get(self, token):
        await self.rate_limits.check_invite("describe", self.request.remote_ip)
        self.reply(await self.hub.read(invites.describe, token))


class RedeemAgentInviteHandler(BaseHandler):
    auth_required = False

    async def post(self):
        await self.rate_limits.check_invite("redeem", self.request.remote_ip)
        data = self.body(schemas.REDEEM_AGENT_INVITE)
        self.reply(await self.hub.write(invites.redeem_agent, data), 201)


class RedeemUserInviteHandler(BaseHandler):
    auth_required = False

    async def post(self):
        await self.rate_limits.check_invite("redeem-user", self.request.remote_ip)
        data = self.body(schemas.REDEEM_USER_INVITE)
        self.reply(await redeem_user_invite(self.settings, data), 201)


routes = [
    (r"/api/v1/invites", InvitesHandler),
    (r"/api/v1/invites/agent", AgentInviteHandler),
    (r"/api/v1/invites/user", UserInviteHandler),
    (r"/api/v1/invites/([^/]+)/revoke", RevokeInviteHandler),
    (r"/api/v1/auth/invites/redeem", RedeemAgentInviteHandler),
    (r"/api/v1/auth/invites/redeem-user", RedeemUserInviteHandler),
    (r"/api/v1/auth/invites/([^/]+)", DescribeInviteHandler),
]
