"""The `agenthq` command line: run a hub, sign in, post, follow channels live, list things.

Credentials come from --api-key / --token, else AGENTHQ_API_KEY / AGENTHQ_TOKEN, else the
config file that `agenthq login` writes (AGENTHQ_CONFIG, default ~/.config/agenthq/config.json)."""

import argparse
import asyncio
import os
import sys

from ..client import AgentHQClient, AgentHQError, credentials
from . import commands, conversations, integrations, messaging, task_commands
from .output import Printer, clean

S = argparse.SUPPRESS


def _common():
    """Options accepted before or after the command (`agenthq --json agents` and
    `agenthq agents --json`): SUPPRESS keeps a subcommand from resetting what the top set."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", default=S, help="hub URL (env AGENTHQ_URL, default http://127.0.0.1:3000)")
    common.add_argument("--api-key", default=S, help="an agent's ahq_ key (env AGENTHQ_API_KEY)")
    common.add_argument("--token", default=S, help="a person's access token (env AGENTHQ_TOKEN)")
    common.add_argument("--agent", default=S, help="act as an agent registered with `agent register`")
    common.add_argument("--json", action="store_true", default=S, help="machine-readable output")
    return common


def build_parser():
    common = _common()
    parser = argparse.ArgumentParser(prog="agenthq", parents=[common], description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name, fn, help, **kw):
        p = sub.add_parser(name, parents=[common], help=help, description=help, **kw)
        p.set_defaults(fn=fn)
        return p

    command.common = common

    sub.add_parser("serve", help="run a hub (same options as run.py; see `agenthq serve --help`)", add_help=False)
    sub.add_parser("backup", help="copy a hub's database safely, also while it runs (`agenthq backup PATH`)",
                   add_help=False)
    sub.add_parser("mcp", help="the hub's tools for MCP clients, over stdio or --http (`agenthq mcp --help`)",
                   add_help=False)
    p = command("login", commands.login, "sign in and save the credentials (mode 0600)")
    p.add_argument("--email", help="a person's email (else use --api-key for an agent)")
    p.add_argument("--password", help="the password (else AGENTHQ_PASSWORD, a prompt, or stdin)")
    command("logout", commands.logout, "forget the saved sign-in")
    command("whoami", commands.whoami, "show who the credentials belong to")

    agent = sub.add_parser("agent", help="manage agents").add_subparsers(dest="agent_command", required=True)
    p = agent.add_parser("register", parents=[common], help="register an agent and print its API key")
    p.set_defaults(fn=commands.agent_register)
    p.add_argument("name")
    p.add_argument("--description")
    p.add_argument("--capability", action="append", help="repeat for several")

    p = command("post", commands.post, "post to a channel")
    p.add_argument("--channel", default="general", help="channel name or id (default general)")
    p.add_argument("--title")
    p.add_argument("--type", choices=["update", "insight", "question", "answer", "alert", "metric"])
    p.add_argument("text", nargs="?", help="the text; omitted or '-': read stdin")

    p = command("reply", conversations.reply, "answer a post, in its thread")
    p.add_argument("post_id")
    p.add_argument("text", nargs="?", help="the text; omitted or '-': read stdin")
    p = command("thread", conversations.thread, "show a post's thread, replies indented under their parent")
    p.add_argument("post_id", help="any post of the thread")
    p = command("inbox", conversations.inbox, "unread posts per channel and unread notifications")
    p.add_argument("--limit", type=int, default=20)
    p = command("read", conversations.read, "mark a channel read (moves your read pointer)")
    p.add_argument("channel", help="channel name or id")
    p.add_argument("--seq", type=int, help="read up to this seq (default: everything so far)")

    p = command("tail", commands.tail_command, "follow events live (Ctrl-C to stop)")
    p.add_argument("--channel", action="append", help="channel name or id; repeat; default all")
    command("channels", commands.channels, "list channels")
    command("agents", commands.agents, "list agents and their status")
    p = command("search", commands.search, "search posts (words and from: in: type: before: after: has: is:)")
    p.add_argument("query")
    p.add_argument("--types", help="comma-separated kinds to search instead of posts alone: "
                                   "posts,agents,channels,insights,tasks")
    p.add_argument("--limit", type=int, default=20)
    p = command("feed", commands.feed, "posts, activity and insights as one timeline (default: last 24 h)")
    p.add_argument("--since", help="ISO 8601 (default 24 h ago)")
    p.add_argument("--until", help="ISO 8601 (default now)")
    p.add_argument("--types", help="comma-separated: posts,activity,insights")
    p.add_argument("--actor", help="only this identity's id, or me")
    p.add_argument("--limit", type=int, default=50)
    p = command("insights", commands.insights, "insights, newest first")
    p.add_argument("--type", choices=["trend", "performance", "recommendation", "summary", "anomaly"])
    p.add_argument("--limit", type=int, default=20)
    p = command("activity", commands.activity, "the activity log, newest first")
    p.add_argument("--action", help="only this action, e.g. post.created")
    p.add_argument("--limit", type=int, default=20)
    messaging.add_commands(sub, command)
    task_commands.add_parser(sub, common)
    integrations.add_commands(sub, common)
    return parser


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve"]:
        from .serve import main as serve

        return serve(argv[1:])
    if argv[:1] == ["mcp"]:
        from .mcp import main as mcp

        return mcp(argv[1:])
    if argv[:1] == ["backup"]:
        from ..backup import main as backup

        return backup(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        status = asyncio.run(_run(args))
        sys.stdout.flush()  # here, where a closed pipe is caught, not at interpreter exit
        return status
    except AgentHQError as error:
        hint = f" ({HUB_DOWN_HINT})" if error.code == "CONNECTION_ERROR" else ""
        print(f"agenthq: {error.code}: {clean(error.message)}{hint}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`agenthq channels --json | head`): nobody is left to tell, so
        # stop quietly, as Unix tools do, with the status of a process ended by SIGPIPE. The
        # interpreter flushes stdout once more on exit: point it at /dev/null first.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + 13


HUB_DOWN_HINT = "is the hub running? start it with `python run.py`"


async def _run(args):
    path = credentials.config_path()
    found = credentials.resolve(getattr(args, "url", None), getattr(args, "api_key", None),
                                getattr(args, "token", None), getattr(args, "agent", None))
    client = AgentHQClient(found["url"], api_key=found["api_key"], token=found["token"],
                           refresh_token=found["refresh_token"])
    printer = Printer(as_json=getattr(args, "json", False))
    try:
        await args.fn(args, commands.Context(client, printer, path, found))
    finally:
        await client.close()
        _keep_refreshed_token(found, client, path)
    return 0


def _keep_refreshed_token(found, client, path):
    """The client renews an expired access token by itself; save the new one, so the next
    command does not have to."""
    if found["from_file"] and found["token"] and client.token != found["token"]:
        data = credentials.load(path)
        if data.get("token") == found["token"]:
            credentials.save(path, {**data, "token": client.token})
