"""AgentHQError: the SDK's one exception, carrying the spec's error code, message and HTTP status."""


class AgentHQError(Exception):
    """Raised for every failure the SDK reports: an API error (`code` from the spec, e.g.
    NOT_FOUND, with its HTTP `status`), or a transport failure (`code` CONNECTION_ERROR or
    BAD_RESPONSE, `status` None or the HTTP status)."""

    def __init__(self, code, message, status=None, field=None):
        super().__init__(f"{code}: {message}" if status is None else f"{code} ({status}): {message}")
        self.code = code
        self.message = message
        self.status = status
        self.field = field

    @classmethod
    def from_envelope(cls, status, payload):
        error = payload.get("error") if isinstance(payload, dict) else None
        if not isinstance(error, dict) or "code" not in error:
            return cls("BAD_RESPONSE", f"unexpected HTTP {status} response", status)
        return cls(error["code"], error.get("message", ""), status, error.get("field"))
