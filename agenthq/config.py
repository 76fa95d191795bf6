"""The one place every setting is declared, with its default, its env variable and its help."""

import argparse
import dataclasses
import os
from dataclasses import dataclass, field


def _setting(default, help, env=None, flag=None, kind=None):
    return field(default=default, metadata={"help": help, "env": env, "flag": flag, "kind": kind})


def _truthy(raw):
    """An on/off setting from the environment: 1, true, yes or on (any case) is on."""
    return str(raw).strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Config:
    host: str = _setting("127.0.0.1", "address to listen on", "AGENTHQ_HOST", "--host")
    port: int = _setting(3000, "port to listen on (0 picks a free one)", "AGENTHQ_PORT", "--port", int)
    # Relative to the folder the hub starts in (an installed hub has no other home);
    # run.py puts it beside itself instead.
    db: str = _setting(
        "agenthq.db", "SQLite file path, or a postgresql://user:pass@host/db URL", "AGENTHQ_DB", "--db"
    )
    # Scale-out (docs/scale-out.md): several processes share PostgreSQL and Redis.
    redis: str = _setting(
        "", "redis://host:port/0 URL: events, presence and rate limits shared between processes",
        "AGENTHQ_REDIS", "--redis",
    )
    workers: int = _setting(
        1, "hub processes on one port (more than 1 needs PostgreSQL and Redis)", "AGENTHQ_WORKERS", "--workers", int
    )
    jwt_secret: str = _setting(
        "", "HS256 signing secret; empty: generated once and kept in the database", "AGENTHQ_JWT_SECRET"
    )
    access_token_ttl: int = _setting(900, "access token lifetime, seconds", "AGENTHQ_ACCESS_TTL", kind=int)
    refresh_token_ttl: int = _setting(
        7 * 24 * 3600, "refresh token lifetime, seconds", "AGENTHQ_REFRESH_TTL", kind=int
    )
    max_body_bytes: int = _setting(1 << 20, "largest accepted request body", "AGENTHQ_MAX_BODY", kind=int)
    # HTTP connection limits (agenthq/httplimits.py, docs/security.md): what a client that never
    # finishes its request, or sends a large one, may hold.
    page_max_body: int = _setting(
        64 * 1024, "largest request body of the web page's forms and of /auth/login, /register, /refresh",
        "AGENTHQ_PAGE_MAX_BODY", kind=int,
    )
    header_timeout: float = _setting(
        10, "seconds a new connection has to send its first request's headers", "AGENTHQ_HEADER_TIMEOUT",
        kind=float,
    )
    body_timeout: float = _setting(
        30, "seconds to receive a request body once its headers have arrived", "AGENTHQ_BODY_TIMEOUT", kind=float
    )
    idle_timeout: float = _setting(
        30, "seconds a kept-alive connection may take to send its next request's headers",
        "AGENTHQ_IDLE_TIMEOUT", kind=float,
    )
    max_unauthenticated: int = _setting(
        128, "open connections per client address not yet authenticated (0: no limit)",
        "AGENTHQ_MAX_UNAUTHENTICATED", kind=int,
    )
    json_workers: int = _setting(
        2, "threads that parse JSON request bodies, off the event loop", "AGENTHQ_JSON_WORKERS", kind=int
    )
    json_queue: int = _setting(
        64, "request bodies waiting to be parsed before 503", "AGENTHQ_JSON_QUEUE", kind=int
    )
    db_readers: int = _setting(2, "threads that serve database reads", "AGENTHQ_DB_READERS", kind=int)
    # Slow work on its own small pools, so that it never holds up the readers (docs/security.md).
    search_threads: int = _setting(1, "threads that run full-text searches", "AGENTHQ_SEARCH_THREADS", kind=int)
    search_queue: int = _setting(
        8, "searches waiting beyond those running before 503", "AGENTHQ_SEARCH_QUEUE", kind=int
    )
    search_timeout: float = _setting(
        2.0, "seconds one search may run before it is stopped with 503 (0: no limit)", "AGENTHQ_SEARCH_TIMEOUT",
        kind=float,
    )
    password_cost: int = _setting(
        2**14, "scrypt cost N of new password hashes (a power of two); each hash keeps its own, so a change "
        "locks no one out. Lower only for tests", "AGENTHQ_PASSWORD_COST", kind=int,
    )
    password_threads: int = _setting(1, "threads that hash passwords", "AGENTHQ_PASSWORD_THREADS", kind=int)
    password_queue: int = _setting(
        16, "password hashes waiting beyond those running before 503", "AGENTHQ_PASSWORD_QUEUE", kind=int
    )
    # Real-time settings (spec section 4).
    heartbeat_interval: int = _setting(
        30, "seconds between client heartbeats, told to clients", "AGENTHQ_HEARTBEAT_INTERVAL", kind=float
    )
    presence_timeout: float = _setting(
        90, "an agent without connection or heartbeat this long is offline", "AGENTHQ_PRESENCE_TIMEOUT", kind=float
    )
    event_retention: float = _setting(
        24 * 3600, "seconds events are kept for resume", "AGENTHQ_EVENT_RETENTION", kind=float
    )
    # Tasks (SPEC §12.1).
    task_lease_default: int = _setting(300, "seconds a task claim lasts unless the claimer asks", "AGENTHQ_TASK_LEASE_DEFAULT", kind=int)
    task_sweep_interval: float = _setting(
        1.0, "seconds between sweeps that return expired task leases to the pool", "AGENTHQ_TASK_SWEEP_INTERVAL",
        kind=float,
    )
    ws_auth_timeout: float = _setting(5, "seconds to send the auth message", "AGENTHQ_WS_AUTH_TIMEOUT", kind=float)
    ws_max_message: int = _setting(64 * 1024, "largest inbound WebSocket message", "AGENTHQ_WS_MAX_MESSAGE", kind=int)
    ws_max_subscriptions: int = _setting(
        500, "channel subscriptions per connection", "AGENTHQ_WS_MAX_SUBSCRIPTIONS", kind=int
    )
    ws_max_buffer: int = _setting(
        1 << 20, "outbound bytes queued before a slow reader is closed (4008)", "AGENTHQ_WS_MAX_BUFFER", kind=int
    )
    ws_rate: float = _setting(20, "inbound messages per second per connection", "AGENTHQ_WS_RATE", kind=float)
    ws_burst: int = _setting(60, "inbound message burst per connection", "AGENTHQ_WS_BURST", kind=int)
    ws_allowed_origins: tuple = _setting(
        (), "extra browser origins allowed on /ws (comma-separated)", "AGENTHQ_WS_ORIGINS", kind="list"
    )
    cors_origins: tuple = _setting(
        (), "browser origins (exact, comma-separated) allowed to call the REST API and open /ws",
        "AGENTHQ_CORS_ORIGINS", kind="list",
    )
    # Rate limits (in process; see agenthq/ratelimit.py). 0 turns a limit off.
    rest_rate: float = _setting(50, "REST requests per second per identity (0: no limit)", "AGENTHQ_REST_RATE", kind=float)
    rest_burst: int = _setting(200, "REST request burst per identity", "AGENTHQ_REST_BURST", kind=int)
    ws_identity_rate: float = _setting(
        100, "WebSocket messages per second per identity, all its sockets together (0: no limit)",
        "AGENTHQ_WS_IDENTITY_RATE", kind=float,
    )
    ws_identity_burst: int = _setting(
        1000, "WebSocket message burst per identity, all its sockets together", "AGENTHQ_WS_IDENTITY_BURST", kind=int
    )
    login_account_failures: int = _setting(
        10, "failed sign-ins per account from one client address within login_window before 429",
        "AGENTHQ_LOGIN_ACCOUNT_FAILURES", kind=int,
    )
    login_address_failures: int = _setting(
        50, "failed sign-ins per client address (all accounts) within login_window before 429",
        "AGENTHQ_LOGIN_ADDRESS_FAILURES", kind=int,
    )
    login_account_total_failures: int = _setting(
        100, "failed sign-ins per account from all addresses within login_window before addresses it never "
        "signed in from get 429", "AGENTHQ_LOGIN_ACCOUNT_TOTAL_FAILURES", kind=int,
    )
    login_window: float = _setting(
        900, "seconds over which the allowed failed sign-ins come back", "AGENTHQ_LOGIN_WINDOW", kind=float
    )
    login_known_address_ttl: float = _setting(
        30 * 24 * 3600, "seconds an address an account signed in from stays known-good for it",
        "AGENTHQ_LOGIN_KNOWN_ADDRESS_TTL", kind=float,
    )
    register_address_limit: int = _setting(
        20, "sign-ups per client address within register_window before 429 (0: no limit)",
        "AGENTHQ_REGISTER_ADDRESS_LIMIT", kind=int,
    )
    register_window: float = _setting(
        3600, "seconds over which the allowed sign-ups come back", "AGENTHQ_REGISTER_WINDOW", kind=float
    )
    public_url: str = _setting(
        "", "scheme and host put in invite and incoming-webhook URLs (empty: the request's own)",
        "AGENTHQ_PUBLIC_URL", "--public-url",
    )
    invite_address_limit: int = _setting(
        10, "invite look-ups or redemptions per client address within invite_window, per endpoint, before 429",
        "AGENTHQ_INVITE_ADDRESS_LIMIT", kind=int,
    )
    invite_window: float = _setting(
        900, "seconds over which the allowed invite requests come back", "AGENTHQ_INVITE_WINDOW", kind=float
    )
    hook_rate: float = _setting(
        1.0, "posts per second each incoming webhook may make (sustained)", "AGENTHQ_HOOK_RATE", kind=float
    )
    hook_burst: int = _setting(30, "posts an incoming webhook may make at once", "AGENTHQ_HOOK_BURST", kind=int)
    webhook_allow_private: bool = _setting(
        False, "let outgoing webhooks call loopback, private and link-local addresses (tests, closed networks)",
        "AGENTHQ_WEBHOOK_ALLOW_PRIVATE", kind=_truthy,
    )
    webhook_threads: int = _setting(
        8, "threads sending outgoing webhook deliveries (one delivery in flight per webhook)",
        "AGENTHQ_WEBHOOK_THREADS", kind=int,
    )
    webhook_timeout: float = _setting(
        10, "seconds a webhook receiver has to answer 2xx", "AGENTHQ_WEBHOOK_TIMEOUT", kind=float
    )
    webhook_retry_base: float = _setting(
        10, "first retry delay of a failed webhook delivery, seconds (doubled each attempt, capped at 1 h)",
        "AGENTHQ_WEBHOOK_RETRY_BASE", kind=float,
    )
    webhook_backlog_max: float = _setting(
        3 * 24 * 3600, "seconds the event log keeps events an active webhook has not delivered yet (older "
        "ones are pruned and that webhook skips them)", "AGENTHQ_WEBHOOK_BACKLOG_MAX", kind=float,
    )
    webhook_poll: float = _setting(
        0.5, "seconds between the webhook dispatcher's looks at the event log when idle",
        "AGENTHQ_WEBHOOK_POLL", kind=float,
    )
    log_level: str = _setting("INFO", "logging level", "AGENTHQ_LOG_LEVEL", "--log-level")

    def __post_init__(self):
        # An origin trusted with the REST API may open the socket too (what a browser app
        # of the original does), so the socket's origin check needs only one list.
        merged = tuple(dict.fromkeys((*self.ws_allowed_origins, *self.cors_origins)))
        object.__setattr__(self, "ws_allowed_origins", merged)

    @classmethod
    def describe(cls):
        """(name, env, default, help) for every setting: the README's table is made from this."""
        return [
            (f.name, f.metadata["env"], f.default, f.metadata["help"]) for f in dataclasses.fields(cls)
        ]

    @classmethod
    def from_env(cls, environ=None, defaults=None, **overrides):
        """Flags (overrides) over the environment over `defaults` over the declared defaults."""
        environ = os.environ if environ is None else environ
        values = dict(defaults or {})
        for f in dataclasses.fields(cls):
            env = f.metadata["env"]
            if env and env in environ:
                values[f.name] = _convert(f, environ[env])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @classmethod
    def from_args(cls, argv=None, environ=None, defaults=None):
        parser = build_parser(defaults)
        args = parser.parse_args(argv)
        overrides = {k: v for k, v in vars(args).items() if k in _field_names()}
        return cls.from_env(environ, defaults, **overrides), args


def _field_names():
    return {f.name for f in dataclasses.fields(Config)}


def _convert(f, raw):
    kind = f.metadata["kind"]
    if kind == "list":
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    return kind(raw) if kind else raw


def build_parser(defaults=None):
    defaults = defaults or {}
    parser = argparse.ArgumentParser(prog="agenthq", description="Run the AgentHQ hub.")
    for f in dataclasses.fields(Config):
        if f.metadata["flag"]:
            default = defaults.get(f.name, f.default)
            parser.add_argument(
                f.metadata["flag"],
                dest=f.name,
                type=f.metadata["kind"] or str,
                default=None,
                help=f"{f.metadata['help']} (env {f.metadata['env']}, default {default})",
            )
    # Not a setting of the hub but a way to start it, so it is a flag only (see agenthq.demo).
    parser.add_argument("--demo", action="store_true", help="seed a demo organization and run three simulated agents "
                        "(in its own database, demo.db beside agenthq.db, unless --db is given)")
    parser.add_argument("--open", action="store_true", help="open the web page in the desktop's browser once serving")
    return parser
