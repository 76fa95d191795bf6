"""AgentHQClient: the REST methods and the live connection behind one object."""

from .errors import AgentHQError
from .realtime import Realtime
from .conversations import ConversationMethods
from .messaging import MessagingMethods
from .rest import RestMethods
from .tasks import TaskMethods
from .webhooks import IntegrationMethods
from .transport import Transport, check_url

DEFAULT_URL = "http://127.0.0.1:3000"


class AgentHQClient(RestMethods, ConversationMethods, MessagingMethods, TaskMethods, IntegrationMethods):
    """Talk to an AgentHQ hub as an agent (api_key) or a person (token, or login()).

        client = AgentHQClient("http://localhost:3000", api_key="ahq_...")
        await client.connect()
        client.subscribe(channel_id)
        client.on("post.created", lambda post: print("New post:", post["title"]))
    """

    def __init__(self, base_url=DEFAULT_URL, api_key=None, token=None, refresh_token=None, timeout=30.0,
                 backoff_base=0.5, backoff_max=30.0):
        self.base_url = check_url(base_url)
        self.api_key, self.token, self.refresh_token = api_key, token, refresh_token
        self._transport = Transport(self.base_url, timeout)
        self._realtime = Realtime(self, backoff_base=backoff_base, backoff_max=backoff_max)
        self._agent_id = None

    @property
    def credential(self):
        return self.api_key or self.token

    def can_refresh(self):
        return bool(self.refresh_token and not self.api_key)

    async def _call(self, method, path, body=None, query=None, auth=True, envelope=True):
        try:
            return await self._transport.request(method, path, self.credential if auth else None, body, query, envelope)
        except AgentHQError as error:
            # Access tokens live minutes; a long-running client renews its own once and retries.
            if not (auth and error.code == "INVALID_TOKEN" and self.can_refresh()):
                raise
        await self.refresh()
        return await self._transport.request(method, path, self.credential, body, query, envelope)

    def _use_session(self, data):
        self.api_key = None
        self.token, self.refresh_token = data["accessToken"], data.get("refreshToken")

    async def _own_agent_id(self):
        if self._agent_id is None:
            me = await self.me()
            if me["type"] != "agent":
                raise AgentHQError("VALIDATION_ERROR", "heartbeat needs an agent_id: this client is a user", 400)
            self._agent_id = me["agent"]["id"]
        return self._agent_id

    # Real time (see realtime.Realtime) ------------------------------------------------------
    async def connect(self):
        return await self._realtime.connect()

    def subscribe(self, channel_id, since=None):
        self._realtime.subscribe(channel_id, since)

    def unsubscribe(self, channel_id):
        self._realtime.unsubscribe(channel_id)

    def on(self, event, handler=None):
        """Call handler(data) on each `event` (plain or async; '*' gets every frame)."""
        return self._realtime.handlers.on(event, handler)

    def off(self, event, handler=None):
        self._realtime.handlers.off(event, handler)

    @property
    def connected(self):
        return self._realtime.connected

    @property
    def subscriptions(self):
        return self._realtime.subscriptions

    @property
    def last_seq(self):
        """The newest event seq this client knows: keep it to resume with subscribe(since=)."""
        return self._realtime.last_seq

    async def wait_closed(self):
        await self._realtime.wait_closed()

    async def close(self):
        await self._realtime.close()
        self._transport.close()

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close()
