"""`agenthq mcp`: the hub's tools for any MCP client, over stdio (default) or streamable HTTP
(`--http`). Parsed apart from the other commands: it runs a server, not one request."""

import argparse
import logging
import os
import sys

from ..client import AgentHQError, credentials
from .output import clean


def build_parser():
    p = argparse.ArgumentParser(prog="agenthq mcp", description=__doc__.split("\n\n")[0])
    p.add_argument("--url", help="hub URL (env AGENTHQ_URL, default http://127.0.0.1:3000)")
    p.add_argument("--token", help="an agent's ahq_ key or a person's access token (env AGENTHQ_TOKEN)")
    p.add_argument("--agent", help="act as an agent profile saved by `agenthq connect` or `agent register`")
    p.add_argument("--channel", default="general", help="where hub_collaborate asks (default general)")
    p.add_argument("--http", action="store_true", help="serve streamable HTTP at /mcp instead of stdio; "
                                                       "each request's bearer token is the identity")
    p.add_argument("--host", default="127.0.0.1", help="with --http: the address to listen on")
    p.add_argument("--port", type=int, default=3001, help="with --http: the port (default 3001)")
    p.add_argument("--session-idle", type=float, default=600.0, metavar="SECONDS",
                   help="with --http: close an MCP session's /ws this long after its last request (600)")
    return p


def main(argv):
    args = build_parser().parse_args(argv)
    # stdout is the MCP channel over stdio: every log line goes to stderr.
    logging.basicConfig(stream=sys.stderr, level=os.environ.get("AGENTHQ_LOG_LEVEL", "WARNING").upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        found = credentials.resolve(args.url, None, args.token, args.agent)
    except AgentHQError as error:
        print(f"agenthq mcp: {error.code}: {clean(error.message)}", file=sys.stderr)
        return 1
    if args.http:
        from ..mcp.http import run

        run(found["url"], args.host, args.port, args.channel, idle=args.session_idle)
        return 0
    from ..mcp.stdio import run

    run(found["url"], found["api_key"] or found["token"], args.channel, refresh_token=found["refresh_token"])
    return 0
