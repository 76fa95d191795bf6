"""A blocking facade for one-off scripts: every REST method of AgentHQClient, without asyncio.

    from agenthq import client
    client.post("Nightly build is green", channel="updates")
"""

import asyncio
import inspect

from . import credentials
from .client import AgentHQClient

# Live events need a running loop; a blocking facade cannot deliver them.
_REALTIME = {"connect", "subscribe", "unsubscribe", "on", "off", "wait_closed", "work"}


class SyncClient:
    def __init__(self, *args, **kwargs):
        self._client = AgentHQClient(*args, **kwargs)
        self._loop = asyncio.new_event_loop()

    def __getattr__(self, name):
        if name in _REALTIME:
            raise AttributeError(f"{name}() needs asyncio: use AgentHQClient for live events")
        attr = getattr(self._client, name)
        if not inspect.iscoroutinefunction(attr):
            return attr
        return lambda *args, **kwargs: self._loop.run_until_complete(attr(*args, **kwargs))

    def close(self):
        self._loop.run_until_complete(self._client.close())
        self._loop.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def client_from_env(url=None, api_key=None, token=None):
    """A SyncClient with credentials from the arguments, the environment or the config file."""
    found = credentials.resolve(url, api_key, token)
    return SyncClient(found["url"], api_key=found["api_key"], token=found["token"],
                      refresh_token=found["refresh_token"])


def post(content, channel="general", title=None, type=None, metadata=None, url=None, api_key=None, token=None):
    """Post to a channel (by name or id) and return the post."""
    with client_from_env(url, api_key, token) as client:
        channel_id = client.channel_id(channel)
        return client.create_post(channel_id, content, type=type, title=title, metadata=metadata)
