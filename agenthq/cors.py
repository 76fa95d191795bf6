"""Opt-in CORS for the REST API and /health: only the exact origins configured in
AGENTHQ_CORS_ORIGINS, never "*" and never credentials (the API takes bearer tokens, not
cookies, so a browser app must hold its token itself)."""

ALLOWED_METHODS = "GET, POST, PATCH, DELETE"
ALLOWED_HEADERS = "Authorization, Content-Type"
MAX_AGE = "600"  # seconds a browser may reuse a preflight's answer
# Not CORS-safelisted, so a browser app would not see it otherwise after a 429.
EXPOSED_HEADERS = "Retry-After"


def _covered(path):
    return path == "/health" or path.startswith("/api/v1/")


def _listed_origin(handler):
    """The request's Origin if CORS applies to it, else None."""
    origins = handler.hub.config.cors_origins
    if not origins or not _covered(handler.request.path):
        return None
    origin = handler.request.headers.get("Origin")
    return origin if origin in origins else None


def add_headers(handler):
    """From set_default_headers, so error answers carry them too: without them a browser
    hides the error body from the app."""
    if not handler.hub.config.cors_origins or not _covered(handler.request.path):
        return
    # The answer differs by Origin, so shared caches must key on it, listed or not.
    handler.set_header("Vary", "Origin")
    origin = _listed_origin(handler)
    if origin:
        handler.set_header("Access-Control-Allow-Origin", origin)
        handler.set_header("Access-Control-Expose-Headers", EXPOSED_HEADERS)


def answer_preflight(handler):
    """Answer a listed origin's preflight (204) before any auth, since a browser sends it
    without the Authorization header. True if it did; other OPTIONS requests go on to 405."""
    if handler.request.method != "OPTIONS" or not _listed_origin(handler):
        return False
    handler.set_header("Access-Control-Allow-Methods", ALLOWED_METHODS)
    handler.set_header("Access-Control-Allow-Headers", ALLOWED_HEADERS)
    handler.set_header("Access-Control-Max-Age", MAX_AGE)
    handler.set_status(204)
    handler.finish()
    return True
