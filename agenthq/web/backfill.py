"""After an upgrade to schema version 2, fill the HTML of posts written before it: batches of
rows read on a database thread, rendered on the Markdown pool, stored by the writer, one batch
at a time, so the hub serves meanwhile (those posts show their plain text until then)."""

import logging

from ..models import Post

log = logging.getLogger("agenthq")
BATCH = 200


class Backfill:
    def __init__(self, renderer):
        self.renderer = renderer
        self.task = None

    def ensure_started(self, hub):
        """Started by the first page request (cheap after that: one attribute check)."""
        if self.task is None:
            self.task = object()  # taken, before anything awaits
            hub.spawn(self.run(hub), "post HTML backfill")

    async def run(self, hub):
        after, done = "", 0
        while True:
            rows = await hub.read(missing, after, BATCH)
            if not rows:
                break
            rendered = [(post_id, await self.renderer.render(content)) for post_id, content in rows]
            await hub.write(store, rendered)
            after, done = rows[-1][0], done + len(rows)
        if done:
            log.info("rendered the HTML of %d posts written before this version", done)


def missing(after, limit):
    """(id, content) of posts without HTML, in id order from `after` (a cursor, so a row that
    stays NULL, e.g. written meanwhile by a caller that gave no HTML, cannot loop us)."""
    rows = (Post.select(Post.id, Post.content).where(Post.html.is_null() & (Post.id > after))
            .order_by(Post.id).limit(limit))
    return [(row.id, row.content) for row in rows]


def store(rendered):
    for post_id, html in rendered:
        # Only if still NULL: an edit since the read wrote the HTML of the newer content.
        Post.update(html=html).where((Post.id == post_id) & Post.html.is_null()).execute()
    return len(rendered), []
