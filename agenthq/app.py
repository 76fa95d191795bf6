"""make_app(config): the one place that sees everything and wires it together."""

import logging
import re

import tornado.web

from .handlers import accounts, activity, agents, base, channels, dms, hooks, insights, invites, notifications, org
from .handlers import posts, reactions, search, tasks, webhooks
from .ws import handler as ws
from .handlers import openapi
from .hub import Hub
from .jsonbody import JsonParser
from .ratelimit import RateLimits
from .web import pages

access_log = logging.getLogger("agenthq.access")


# Paths that end in a credential (an invite's or an incoming hook's token): logged without it.
_TOKEN_PATH = re.compile(r"^(/invite/|/hooks/|/api/v1/auth/invites/(?!redeem(?:-user)?$))[^/]+")


def log_request(handler):
    """One line per request: method, path without its query string (a /ws?token= must never
    reach a log) or path tokens, status, time."""
    request = handler.request
    path = _TOKEN_PATH.sub(r"\1[token]", request.path)
    access_log.info("%s %s %d %.1fms", request.method, path, handler.get_status(), 1000 * request.request_time())


def make_app(config, hub=None):
    hub = hub or Hub(config)
    routes = [
        *base.routes,
        # Tornado tries the rules in order: /ws near the front spares each socket of a
        # connect storm ~80 regex tries (~20 µs); no other rule matches /ws.
        *ws.routes,
        *accounts.routes,
        *org.routes,
        *agents.routes,
        *channels.routes,
        *posts.routes,
        *notifications.routes,
        *search.routes,
        *insights.routes,
        *reactions.routes,
        *dms.routes,
        *activity.routes,
        *tasks.routes,
        *invites.routes,
        *hooks.routes,
        *webhooks.routes,
        *openapi.routes,
        *pages.routes,
    ]
    return tornado.web.Application(
        routes,
        hub=hub,
        default_handler_class=base.NotFoundHandler,
        log_function=log_request,
        # With Redis the buckets are shared by every process (agenthq/redis_buckets.py).
        rate_limits=RateLimits(config, hub.cluster.buckets) if hub.cluster else RateLimits(config),
        passwords=hub.passwords,
        json_parser=JsonParser(config.json_workers, config.json_queue),
        websocket_max_message_size=config.ws_max_message,
        # Protocol pings find dead peers that never said goodbye (a pulled cable).
        websocket_ping_interval=config.heartbeat_interval,
        **pages.settings(hub),
    )
