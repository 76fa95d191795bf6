"""/posts: write, list, search, read, edit, delete."""

from .. import schemas
from ..services import posts
from .base import BaseHandler


class PostWriter(BaseHandler):
    def online_users(self, content):
        """People with an open /ws on this hub, whom @here names (agents: by their status).
        Only for content that may say @here: walking every socket of the organization cost
        each POST a few milliseconds at 10,000 sockets."""
        if not content or "@here" not in content.lower():
            return frozenset()
        connections = self.hub.registry.connections_of_org(self.identity.org_id)
        return frozenset(c.identity.id for c in connections if c.identity.kind == "user")


class PostsHandler(PostWriter):
    confirm_in_transaction = frozenset({"GET", "POST"})

    async def get(self):
        query = self.query(schemas.LIST_POSTS)
        items, pagination = await self.service_read(posts.list_posts, query, self.hub.pages)
        self.reply(items, pagination=pagination)

    async def post(self):
        data = self.body(schemas.CREATE_POST)
        # Rendered before the write, never in the writer's turn: the render starts now and its
        # thread queues the write when done (one loop wake-up per request). Only plain text,
        # whose HTML is known without parsing (markdown.plain_html), is answered on the loop.
        html = self.markdown.start(data["content"])
        self.reply(await self.service_write(posts.create, data, html, self.online_users(data["content"])), 201)


class PostSearchHandler(BaseHandler):
    async def get(self):
        query = self.query(schemas.SEARCH_POSTS)
        # The search pool, not the readers: a slow search must not hold up token checks.
        items, pagination = await self.hub.storage.search(posts.search, self.identity, query)
        self.reply(items, pagination=pagination)


class PostHandler(PostWriter):
    async def get(self, post_id):
        self.reply(await self.hub.read(posts.get, self.identity, post_id))

    async def patch(self, post_id):
        data = self.body(schemas.PATCH_POST)
        html = self.markdown.start(data["content"]) if "content" in data else None
        self.reply(await self.hub.write(posts.patch, self.identity, post_id, data, html,
                                        self.online_users(data.get("content"))))

    async def delete(self, post_id):
        self.reply(await self.hub.write(posts.delete, self.identity, post_id))


class ThreadHandler(BaseHandler):
    async def get(self, post_id):
        query = self.query(schemas.LIST)
        items, pagination = await self.hub.read(posts.thread, self.identity, post_id, query)
        self.reply(items, pagination=pagination)


routes = [
    (r"/api/v1/posts", PostsHandler),
    (r"/api/v1/posts/search", PostSearchHandler),
    (r"/api/v1/posts/([^/]+)", PostHandler),
    (r"/api/v1/posts/([^/]+)/thread", ThreadHandler),
]
