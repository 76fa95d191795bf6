"""/webhooks: outgoing webhooks (owners and admins), their delivery log and a test ping. The
URL is checked by the SSRF guard off the loop (a DNS lookup) before it is stored."""

import asyncio

from .. import schemas
from ..services import webhooks
from ..services.common import require_admin
from ..webhooks import guard
from .base import BaseHandler


async def checked(handler, url):
    allow = handler.hub.config.webhook_allow_private
    await asyncio.get_running_loop().run_in_executor(handler.hub.webhooks.pool, guard.check_url, url, allow)


class WebhooksHandler(BaseHandler):
    async def get(self):
        items, pagination = await self.hub.read(webhooks.list_webhooks, self.identity, self.query(schemas.LIST))
        self.reply(items, pagination=pagination)

    async def post(self):
        data = self.body(schemas.CREATE_WEBHOOK)
        webhooks.check_events(data["events"])
        require_admin(self.identity)  # before the DNS lookup: a member learns nothing of hosts
        await checked(self, data["url"])
        self.reply(await self.hub.write(webhooks.create, self.identity, data), 201)


class WebhookHandler(BaseHandler):
    async def get(self, webhook_id):
        self.reply(await self.hub.read(webhooks.get, self.identity, webhook_id))

    async def patch(self, webhook_id):
        data = self.body(schemas.PATCH_WEBHOOK)
        await self.hub.read(webhooks.get, self.identity, webhook_id)
        if "url" in data:
            await checked(self, data["url"])
        self.reply(await self.hub.write(webhooks.patch, self.identity, webhook_id, data))

    async def delete(self, webhook_id):
        self.reply(await self.hub.write(webhooks.delete, self.identity, webhook_id))


class DeliveriesHandler(BaseHandler):
    async def get(self, webhook_id):
        query = self.query(schemas.LIST_DELIVERIES)
        items, pagination = await self.hub.read(webhooks.deliveries, self.identity, webhook_id, query)
        self.reply(items, pagination=pagination)


class TestWebhookHandler(BaseHandler):
    async def post(self, webhook_id):
        target = await self.hub.read(webhooks.for_test, self.identity, webhook_id)
        self.reply(await self.hub.webhooks.test(*target))


routes = [
    (r"/api/v1/webhooks", WebhooksHandler),
    (r"/api/v1/webhooks/([^/]+)", WebhookHandler),
    (r"/api/v1/webhooks/([^/]+)/deliveries", DeliveriesHandler),
    (r"/api/v1/webhooks/([^/]+)/test", TestWebhookHandler),
]
