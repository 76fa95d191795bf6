"""Compatibility only: new code imports these from tests.support."""
from tests.support.servers import PG_BIN, Postgres, Redis, free_port  # noqa: F401
