"""The Feed page's read: GET /feed's items (agenthq.search.feed, the same access rules) with
what the page shows beside each: who, a link to the place, the first words of a post or an
insight, and the activity's resource by name (queries.describe_activity)."""

from datetime import timedelta

from .. import schemas
from ..clock import iso, now_iso, parse_iso
from ..models import Agent, Channel, User
from ..search import feed
from ..services import dms
from ..services.common import readable_channel_ids
from . import queries

PAGE_SIZE = 30
# The periods the page offers (hours back from `until`); the API's default is the first.
PERIODS = ((24, "Last 24 hours"), (24 * 7, "Last 7 days"), (24 * 30, "Last 30 days"))
KINDS = (("posts", "Posts"), ("activity", "Activity"), ("insights", "Insights"))
SNIPPET = 280


def form(arguments):
    """What the filter form shows, from the page's query (Tornado's name -> [bytes]): the
    kinds ticked (none or unknown: all), the period (unknown: 24 hours), who (as typed)."""
    text = {name: [value.decode("utf-8", "replace") for value in values] for name, values in arguments.items()}
    kinds = [kind for kind in text.get("types", []) if kind in dict(KINDS)] or [kind for kind, _ in KINDS]
    hours = (text.get("hours") or ["24"])[-1]
    hours = int(hours) if hours in {str(h) for h, _ in PERIODS} else PERIODS[0][0]
    return {"kinds": kinds, "hours": hours, "actor_id": (text.get("actor_id") or [""])[-1],
            "periods": PERIODS, "kind_choices": KINDS}


def filters(form_values, arguments):
    """timeline_view's filters: actor_id, until and page read as GET /feed reads them (a bad
    one is the API's VALIDATION_ERROR); empty fields are absent."""
    query = schemas.FEED.validate_query(
        {name: arguments[name] for name in ("actor_id", "until", "page") if arguments.get(name, [b""])[-1]})
    return {"kinds": form_values["kinds"], "hours": form_values["hours"], "actor_id": query.get("actor_id"),
            "until": query.get("until"), "page": query["page"]}


def timeline_view(identity, filters):
    """filters: kinds (list of KINDS keys), actor_id, hours, until (ISO, pinned by the first
    page so later pages do not shift as new items arrive), page."""
    until = filters["until"] or now_iso()
    since = iso(parse_iso(until) - timedelta(hours=filters["hours"]))
    query = {"since": since, "until": until, "types": ",".join(filters["kinds"]), "actor_id": filters["actor_id"],
             "page": filters["page"], "limit": PAGE_SIZE}
    items, pagination = feed.feed(identity, query)
    return {**queries.sidebar(identity), "items": _views(identity, items), "pagination": pagination,
            "until": until, "actors": _actors(identity)}


def _views(identity, items):
    channels = {c["id"]: c for c in dms.decorate(identity, [
        c.to_dict() for c in Channel.select().where(Channel.id.in_(readable_channel_ids(identity)))])}
    activities = [item["data"] for item in items if item["resource_type"] == "activity"]
    names = {a["id"]: a["name"] for a in _actors(identity)}
    described = queries.describe_activity(identity, activities, names)
    views = []
    for item in items:
        data, kind = item["data"], item["resource_type"]
        view = {"kind": kind, "id": item["resource_id"], "timestamp": item["timestamp"], "summary": item["summary"],
                "href": None, "where": None, "text": None, "details": []}
        if kind == "post":
            channel = channels.get(data["channel_id"])
            if channel:
                view["where"] = "@" + channel["member_name"] if channel["type"] == "dm" else "#" + channel["name"]
            thread = f"?thread={data['root_id'] or data['parent_id']}" if data["parent_id"] else ""
            view["href"] = f"/c/{data['channel_id']}{thread}#post-{data['id']}"
            view["who"] = names.get(data["author_id"], data["author_id"])
            view["text"] = _snippet(data["content"])
        elif kind == "activity":
            label, href = described[data["id"]]["resource"]
            view.update(who=names.get(data["actor_id"], data["actor_id"]), where=label, href=href,
                        details=described[data["id"]]["detail_items"])
        else:
            view["who"] = names.get(data["created_by"], data["created_by"])
            view["text"] = _snippet(data["content"])
        views.append(view)
    return views


def _snippet(text):
    text = " ".join((text or "").split())
    return text if len(text) <= SNIPPET else text[:SNIPPET - 1] + "…"


def _actors(identity):
    people = [{"id": u.id, "name": u.name, "kind": "person"} for u in User.select(User.id, User.name).where(User.org_id == identity.org_id)]
    agents = [{"id": a.id, "name": a.name, "kind": "agent"} for a in Agent.select(Agent.id, Agent.name).where(Agent.org_id == identity.org_id)]
    return sorted(people + agents, key=lambda who: who["name"].lower())
