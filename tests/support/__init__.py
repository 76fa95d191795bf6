"""Fixtures' helpers for every test, in one package: `api` (REST clients, sync and async),
`ws` (WebSocket clients and the sentinel), `wait` (eventually), `servers` (throwaway
PostgreSQL and Redis, free ports), `processes` (a hub in its own process), `receiver` (an
HTTP receiver for outgoing webhooks). Tests import the common names from here:
`from tests.support import Api, open_ws, eventually`."""

from tests.support.api import TEST_PASSWORD_COST, Api, ApiError, Org, check_envelope, post_from, rest_call, rest_ok
from tests.support.processes import ROOT, SERVING, HubProcess
from tests.support.receiver import Receiver
from tests.support.servers import Postgres, Redis, closed_port, free_port
from tests.support.wait import eventually
from tests.support.ws import (
    fast_and_slow_readers,
    RawSocket,
    WsClient,
    agent_status,
    bulk,
    bulk_posts,
    nothing_more,
    open_ws,
    owner_identity,
    subscribe,
)

__all__ = [
    "ROOT", "SERVING", "TEST_PASSWORD_COST", "Api", "ApiError", "HubProcess", "Org", "Postgres", "RawSocket", "Receiver",
    "Redis", "WsClient", "agent_status", "bulk", "bulk_posts", "check_envelope", "closed_port", "eventually", "free_port",
    "fast_and_slow_readers", "nothing_more", "open_ws", "owner_identity", "post_from", "rest_call", "rest_ok", "subscribe",
]
