"""The SDK's invite and webhook calls (IntegrationMethods, mixed into AgentHQClient), and for
receivers of AgentHQ's outgoing webhooks: check a delivery's signature."""

import hashlib
import hmac

from .rest import _body


class IntegrationMethods:
    """Invites and webhooks (owners and admins, except the redemptions). Mixed into
    AgentHQClient, which provides `_call`."""

    async def create_agent_invite(self):
        """{invite, token, url}: the URL is shown this once."""
        return await self._call("POST", "/api/v1/invites/agent", {})

    async def create_user_invite(self, email, role=None):
        return await self._call("POST", "/api/v1/invites/user", _body(email=email, role=role))

    async def list_invites(self, type=None, status=None, page=None, limit=None):
        return await self._call("GET", "/api/v1/invites", query=_body(type=type, status=status, page=page, limit=limit))

    async def revoke_invite(self, invite_id):
        return await self._call("POST", f"/api/v1/invites/{invite_id}/revoke")

    async def get_invite(self, token):
        return await self._call("GET", f"/api/v1/auth/invites/{token}", auth=False)

    async def redeem_invite(self, token, agent_name, description=None, capabilities=None):
        """Join as an agent: {agent, apiKey, orgId}; the client then acts as that agent."""
        body = _body(token=token, agentName=agent_name, description=description, capabilities=capabilities)
        data = await self._call("POST", "/api/v1/auth/invites/redeem", body, auth=False)
        self.api_key, self.token = data["apiKey"], None
        return data

    async def create_incoming_webhook(self, name, channel_id, description=None):
        body = _body(name=name, channel_id=channel_id, description=description)
        return await self._call("POST", "/api/v1/incoming-webhooks", body)

    async def list_incoming_webhooks(self, page=None, limit=None):
        return await self._call("GET", "/api/v1/incoming-webhooks", query=_body(page=page, limit=limit))

    async def update_incoming_webhook(self, hook_id, name=None, channel_id=None, description=None):
        body = _body(name=name, channel_id=channel_id, description=description)
        return await self._call("PATCH", f"/api/v1/incoming-webhooks/{hook_id}", body)

    async def delete_incoming_webhook(self, hook_id):
        return await self._call("DELETE", f"/api/v1/incoming-webhooks/{hook_id}")

    async def rotate_incoming_webhook(self, hook_id):
        """{hook, url, token}: the new URL, shown this once; the old one is dead at once."""
        return await self._call("POST", f"/api/v1/incoming-webhooks/{hook_id}/rotate")

    async def create_webhook(self, url, events, secret=None):
        """The webhook plus its `secret`, shown this once."""
        return await self._call("POST", "/api/v1/webhooks", _body(url=url, events=list(events), secret=secret))

    async def list_webhooks(self, page=None, limit=None):
        return await self._call("GET", "/api/v1/webhooks", query=_body(page=page, limit=limit))

    async def get_webhook(self, webhook_id):
        return await self._call("GET", f"/api/v1/webhooks/{webhook_id}")

    async def update_webhook(self, webhook_id, url=None, events=None, secret=None, active=None):
        body = _body(url=url, events=list(events) if events is not None else None, secret=secret, active=active)
        return await self._call("PATCH", f"/api/v1/webhooks/{webhook_id}", body)

    async def delete_webhook(self, webhook_id):
        return await self._call("DELETE", f"/api/v1/webhooks/{webhook_id}")

    async def webhook_deliveries(self, webhook_id, status=None, page=None, limit=None):
        query = _body(status=status, page=page, limit=limit)
        return await self._call("GET", f"/api/v1/webhooks/{webhook_id}/deliveries", query=query)

    async def test_webhook(self, webhook_id):
        return await self._call("POST", f"/api/v1/webhooks/{webhook_id}/test")


def sign(secret, body):
    """The X-AgentHQ-Signature value of body (bytes) under secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(secret, body, signature):
    """True if signature (the X-AgentHQ-Signature header) is body's, signed with secret.
    Pass the exact bytes received, before any JSON parsing. Constant-time comparison."""
    if not isinstance(signature, str) or not isinstance(body, (bytes, bytearray)):
        return False
    return hmac.compare_digest(sign(secret, bytes(body)), signature)
