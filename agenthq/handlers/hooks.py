"""/incoming-webhooks (owners and admins) and POST /hooks/<token> (the token is the credential)."""

import json
from urllib.parse import parse_qs

from .. import schemas
from ..errors import InvalidJson, ValidationError
from ..services import incoming
from .base import BaseHandler
from .invites import public_url


class IncomingWebhooksHandler(BaseHandler):
    async def get(self):
        items, pagination = await self.hub.read(incoming.list_hooks, self.identity, self.query(schemas.LIST))
        self.reply(items, pagination=pagination)

    async def post(self):
        data = self.body(schemas.CREATE_INCOMING_WEBHOOK)
        self.reply(await self.hub.write(incoming.create, self.identity, data, public_url(self)), 201)


class IncomingWebhookHandler(BaseHandler):
    async def patch(self, hook_id):
        data = self.body(schemas.PATCH_INCOMING_WEBHOOK)
        self.reply(await self.hub.write(incoming.patch, self.identity, hook_id, data))

    async def delete(self, hook_id):
        self.reply(await self.hub.write(incoming.delete, self.identity, hook_id))


class RotateIncomingWebhookHandler(BaseHandler):
    async def post(self, hook_id):
        self.reply(await self.hub.write(incoming.rotate, self.identity, hook_id, public_url(self)))


class HookHandler(BaseHandler):
    """What Slack-style senders POST: our JSON, Slack's {"text"}, or a form with payload=<JSON>.
    `curl -d '{"text":...}'` sends a JSON text labelled as a form, so a body that reads as a
    JSON object is taken as one whatever its Content-Type says."""

    auth_required = False

    async def _parse_body(self):
        self._raw = bytes(self._body)
        if self._raw.lstrip()[:1] == b"{":
            await super()._parse_body()

    async def post(self, token):
        hook_id = await self.hub.read(incoming.find, token)
        await self.rate_limits.check_hook(hook_id)
        data = self.body(schemas.HOOK_POST) if self._parsed is not None else self._form()
        html = await self.markdown.render(data["content"])
        self.reply(await self.hub.write(incoming.deliver, token, data, html))

    def body(self, schema):
        raw = super().body(_RAW)
        return _validated({**raw, "content": raw.get("content") or raw.get("text")})

    def _form(self):
        try:
            fields = parse_qs(self._raw.decode("utf-8"), strict_parsing=False)
        except UnicodeDecodeError:
            raise InvalidJson() from None
        if "payload" not in fields:
            raise ValidationError("content", "content (or Slack's text) is required")
        try:
            raw = json.loads(fields["payload"][-1])
        except ValueError:
            raise InvalidJson("payload must be a JSON object") from None
        if not isinstance(raw, dict):
            raise InvalidJson("payload must be a JSON object")
        return _validated({**raw, "content": raw.get("content") or raw.get("text")})


class _Raw:
    """Hands the parsed JSON object on unchanged: Slack's text is read before validation."""

    @staticmethod
    def validate(data):
        return data


_RAW = _Raw()


def _validated(raw):
    if raw.get("content") is None:
        raise ValidationError("content", "content (or Slack's text) is required")
    return schemas.HOOK_POST.validate(raw)


routes = [
    (r"/api/v1/incoming-webhooks", IncomingWebhooksHandler),
    (r"/api/v1/incoming-webhooks/([^/]+)", IncomingWebhookHandler),
    (r"/api/v1/incoming-webhooks/([^/]+)/rotate", RotateIncomingWebhookHandler),
    (r"/hooks/([^/]+)", HookHandler),
]
