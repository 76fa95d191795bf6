"""Compatibility only: new code imports these from tests.support."""
from tests.support import RawSocket, agent_status, bulk, bulk_posts, eventually, nothing_more, open_ws, owner_identity, subscribe  # noqa: F401,E501
from tests.support.ws import _parse_frames  # noqa: F401
