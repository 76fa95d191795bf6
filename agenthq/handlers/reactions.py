"""A post's reactions, pin and edit history, and a channel's pins (SPEC §10)."""

from .. import schemas
from ..services import edits, pins, reactions
from .base import BaseHandler


class ReactionsHandler(BaseHandler):
    async def get(self, post_id):
        self.reply(await self.hub.read(reactions.list_for_post, self.identity, post_id))

    async def post(self, post_id):
        data = self.body(schemas.REACT)
        result = await self.hub.write(reactions.add, self.identity, post_id, data)
        if result["created"]:
            self.reply(result["reaction"], 201)
        else:
            self.reply(result["reaction"])  # already there: the existing one, nothing sent


class ReactionHandler(BaseHandler):
    async def delete(self, post_id, emoji):
        # Tornado has already URL-decoded the path segment.
        self.reply(await self.hub.write(reactions.remove, self.identity, post_id, emoji))


class PinHandler(BaseHandler):
    async def post(self, post_id):
        self.reply(await self.hub.write(pins.set_pinned, self.identity, post_id, True))

    async def delete(self, post_id):
        self.reply(await self.hub.write(pins.set_pinned, self.identity, post_id, False))


class EditsHandler(BaseHandler):
    async def get(self, post_id):
        self.reply(await self.hub.read(edits.list_edits, self.identity, post_id))


class ChannelPinsHandler(BaseHandler):
    async def get(self, channel_id):
        self.reply(await self.hub.read(pins.list_pins, self.identity, channel_id))


routes = [
    (r"/api/v1/posts/([^/]+)/reactions", ReactionsHandler),
    (r"/api/v1/posts/([^/]+)/reactions/([^/]+)", ReactionHandler),
    (r"/api/v1/posts/([^/]+)/pin", PinHandler),
    (r"/api/v1/posts/([^/]+)/edits", EditsHandler),
    (r"/api/v1/channels/([^/]+)/pins", ChannelPinsHandler),
]
