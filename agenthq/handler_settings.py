"""The objects every handler shares (the Hub and the Application's helpers), reached one way:
as typed properties over the Application settings, never as module globals or settings keys
spelled out in each handler."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported for the annotations only: the handlers must not import the app
    from .hub import Hub
    from .jsonbody import JsonParser
    from .passwords import Passwords
    from .ratelimit import RateLimits


class SharedObjects:
    """Mixed into RequestHandler subclasses (REST, pages, /ws)."""

    @property
    def hub(self) -> "Hub":
        return self.settings["hub"]

    @property
    def rate_limits(self) -> "RateLimits":
        return self.settings["rate_limits"]

    @property
    def passwords(self) -> "Passwords":
        return self.settings["passwords"]

    @property
    def json_parser(self) -> "JsonParser":
        return self.settings["json_parser"]

    @property
    def markdown(self):
        """agenthq.web.markdown's renderer: Markdown to safe HTML on its own thread pool."""
        return self.settings["markdown"]
