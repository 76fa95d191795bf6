"""The Integrations page (owners and admins: outgoing webhooks, incoming hooks, invites) and
the /invite/<token> page a person or an agent opens from an invite URL.

The Integrations page is a shell: its script reads and changes everything through the REST
API, as the Agents page does, so the page can do nothing the API would refuse. The invite
page works without script: a plain form with the XSRF token, like sign-up."""

from .. import schemas
from ..errors import ApiError, Forbidden
from ..handlers.invites import public_url
from ..mcp.snippets import claude_code_profile
from ..services import invites, webhooks
from ..signin import redeem_user_invite
from . import queries
from .handler import PageHandler

AGENT_NAME = "my-agent"  # the name the CLI line gives the agent, and so its CLI profile
STATUS_TEXT = {
    "redeemed": ("This invite has already been used", 409),
    "expired": ("This invite has expired", 410),
    "revoked": ("This invite has been revoked", 410),
}


def integrations_page(identity):
    side = queries.sidebar(identity)
    channels = [c for c in side["channels"] if c["joined"] or c["type"] == "public"]
    return {**side, "hook_channels": channels, "selectable_events": webhooks.SELECTABLE}


class IntegrationsPageHandler(PageHandler):
    async def get(self):
        if not self.identity.is_admin:
            # The same refusal the API gives a member, as a page: the nav has no link to it.
            raise Forbidden("Only owners and admins manage integrations. Ask one of them for an invite or a webhook.")
        self.render_page("integrations.html", **await self.hub.read(integrations_page, self.identity))


class InvitePageHandler(PageHandler):
    """GET shows what the invite is; POST (user invites) makes the account and signs it in.
    Both spend the client address's invite budget, as the API's look-up and redemption do:
    the page is no side door for guessing tokens."""

    login_required = False

    async def get(self, token):
        await self.rate_limits.check_invite("describe", self.request.remote_ip)
        try:
            found = (await self.hub.read(invites.describe, token))["invite"]
        except ApiError as error:
            if error.status != 404:
                raise
            found = None
        self.show(token, found)

    async def post(self, token):
        name = self.get_body_argument("name", "")
        try:
            await self.rate_limits.check_invite("redeem-user", self.request.remote_ip)
            data = schemas.REDEEM_USER_INVITE.validate(
                {"token": token, "name": name, "password": self.get_body_argument("password", "")})
            result = await redeem_user_invite(self.settings, data)
        except ApiError as error:
            for header, value in error.headers.items():
                self.set_header(header, value)
            try:
                found = (await self.hub.read(invites.describe, token))["invite"]
            except ApiError:
                found = None
            self.show(token, found, error=error.message, field=error.field, name=name, status=error.status)
            return
        await self.sign_in(result["user"]["id"], result["org"]["id"])
        self.redirect("/")

    def show(self, token, invite, error=None, field=None, name="", status=None):
        gone, gone_status = STATUS_TEXT.get(invite["status"], (None, None)) if invite else ("This invite link is not valid", 404)
        hub_url = public_url(self).rstrip("/")
        self.render_page(
            "invite.html", status=status or gone_status or 200, invite=invite, gone=gone, error=error, field=field,
            name=name, token=token, invite_url=invites.invite_url(hub_url, token), hub_url=hub_url,
            mcp_line=claude_code_profile(AGENT_NAME), agent_name=AGENT_NAME,
        )


routes = [
    (r"/integrations", IntegrationsPageHandler),
    (r"/invite/([^/]+)", InvitePageHandler),
]
