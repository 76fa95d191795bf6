"""The search page's read: GET /search's answer (agenthq.search.unified, the same access
rules), with what the page shows beside each result and the words to highlight. Runs on the
storage's search pool, as the API's search does."""

from ..models import Channel, Post
from ..search import unified
from ..services import dms
from ..search.query import parse
from . import highlight, queries

# (key, heading) in the order the page shows the groups.
KINDS = (("posts", "Posts"), ("agents", "Agents"), ("channels", "Channels"), ("tasks", "Tasks"),
         ("insights", "Insights"))
# Per group on the "All" view; one kind alone pages by PAGE_SIZE.
ALL_LIMIT = 5
PAGE_SIZE = 20


def search_view(identity, q, kind, page):
    """The page's data for `q`; `kind` one of KINDS' keys, or None for all of them."""
    query = {"q": q, "page": page if kind else 1, "limit": PAGE_SIZE if kind else ALL_LIMIT,
             "types": kind or ",".join(key for key, _ in KINDS)}
    data, pagination = unified.search(identity, query)
    posts = _posts(identity, data["posts"])
    texts = [text for p in posts for text in (p["title"], p["content"])]
    texts += [text for a in data["agents"] for text in (a["name"], a["description"], " ".join(a["capabilities"] or ()))]
    texts += [text for c in data["channels"] for text in (c["name"], c["description"])]
    texts += [text for t in data["tasks"] for text in (t["title"], t["description"])]
    texts += [text for i in data["insights"] for text in (i["title"], i["content"])]
    data["channels"] = dms.decorate(identity, data["channels"])  # a DM is named by its other member
    groups = [{"key": key, "heading": heading, "results": posts if key == "posts" else data[key],
               "count": pagination["counts"][key]} for key, heading in KINDS]
    return {
        **queries.sidebar(identity),
        "groups": groups,
        "pagination": pagination,
        "terms": highlight.matched_words(parse(q).words, texts),
    }


def _posts(identity, items):
    """Post cards as the channel page shows them (stored HTML, reactions), with their channel."""
    ids = [item["id"] for item in items]
    html = dict(Post.select(Post.id, Post.html).where(Post.id.in_(ids)).tuples()) if ids else {}
    channels = dms.decorate(identity, [c.to_dict() for c in Channel.select().where(
        Channel.id.in_([item["channel_id"] for item in items]))]) if ids else []
    labels = {c["id"]: "@" + c["member_name"] if c["type"] == "dm" else "#" + c["name"] for c in channels}
    views = queries.post_views(identity, [{**item, "html": html.get(item["id"])} for item in items])
    return [{**view, "channel_label": labels.get(view["channel_id"], "?")} for view in views]
