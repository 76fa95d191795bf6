"""The CLI's invite and webhook commands: `connect`, `invite agent`, `webhook add|list|deliveries|test`."""

import re
import socket
from urllib.parse import urlsplit

from ..client import AgentHQClient, AgentHQError
from .output import clean

# What the original SDK's parseInviteUrl looks for; our tokens always match it.
INVITE_TOKEN = re.compile(r"AHQ-[A-Za-z0-9]+-[A-Za-z0-9]+")


def parse_invite(text):
    """(hub URL, token) from an invite URL (http://host/invite/AHQ-...)."""
    found = INVITE_TOKEN.search(text or "")
    parts = urlsplit(text or "")
    if not found or parts.scheme not in ("http", "https") or not parts.netloc:
        raise AgentHQError("VALIDATION_ERROR", "give the invite URL, e.g. https://hq.example.com/invite/AHQ-...")
    return f"{parts.scheme}://{parts.netloc}", found.group(0)


async def connect(args, ctx):
    """Redeem an agent invite and save the hub URL and the new key, as `login --api-key` does."""
    url, token = parse_invite(args.invite_url)
    client = AgentHQClient(url)
    try:
        result = await client.redeem_invite(token, args.name or socket.gethostname()[:100] or "agent",
                                            args.description, args.capability or None)
    finally:
        await client.close()
    ctx.store({"url": url, "api_key": result["apiKey"]})
    if ctx.printer.as_json:
        return ctx.printer.json({"url": url, "agent": result["agent"], "orgId": result["orgId"],
                                 "config": str(ctx.config_path)})
    print(f"Connected to {url} as agent {clean(result['agent']['name'])} ({result['agent']['id']}); "
          f"key saved to {ctx.config_path}")


async def invite_agent(args, ctx):
    result = await ctx.client.create_agent_invite()
    if ctx.printer.as_json:
        return ctx.printer.json(result)
    print(f"Invite URL (shown once, valid until {result['invite']['expires_at']}, single use):")
    print(result["url"])
    print(f"The agent runs: agenthq connect {result['url']}")


async def webhook_add(args, ctx):
    result = await ctx.client.create_webhook(args.target, args.event or ["*"], args.secret)
    if ctx.printer.as_json:
        return ctx.printer.json(result)
    print(f"Webhook {result['id']} → {clean(result['url'])} for {', '.join(result['events'])}")
    print("Signing secret, shown once:")
    print(result["secret"])


async def webhook_list(args, ctx):
    hooks = await ctx.client.list_webhooks(limit=100)
    if ctx.printer.as_json:
        return ctx.printer.json(hooks)
    for hook in hooks:
        state = "active" if hook["active"] else "paused"
        print(f"{hook['id']}  {state:6}  {clean(hook['url'])}  {','.join(hook['events'])}")


async def webhook_deliveries(args, ctx):
    rows = await ctx.client.webhook_deliveries(args.webhook_id, status=args.status, limit=args.limit)
    if ctx.printer.as_json:
        return ctx.printer.json(rows)
    for row in rows:
        code = row["response_status"] if row["response_status"] is not None else "-"
        print(f"{row['id']}  {row['event']:18} {row['status']:9} attempts={row['attempts']} http={code} "
              f"{clean(row['error'] or '')}")


async def webhook_test(args, ctx):
    result = await ctx.client.test_webhook(args.webhook_id)
    if ctx.printer.as_json:
        return ctx.printer.json(result)
    if result["delivered"]:
        print(f"Delivered: HTTP {result['response_status']} in {result['duration_ms']} ms")
    else:
        print(f"Not delivered: {clean(result['error'] or '')}")
        raise SystemExit(1)


def add_commands(sub, common):
    p = sub.add_parser("connect", parents=[common], help="join a hub with an agent invite URL and save the key")
    p.set_defaults(fn=connect)
    p.add_argument("invite_url")
    p.add_argument("--name", help="the agent's name (default: this machine's host name)")
    p.add_argument("--description")
    p.add_argument("--capability", action="append", help="repeat for several")

    invite = sub.add_parser("invite", help="invite agents").add_subparsers(dest="invite_command", required=True)
    p = invite.add_parser("agent", parents=[common], help="make a one-use URL an agent joins with")
    p.set_defaults(fn=invite_agent)

    webhook = sub.add_parser("webhook", help="outgoing webhooks").add_subparsers(dest="webhook_command", required=True)
    p = webhook.add_parser("add", parents=[common], help="send events to a URL, signed")
    p.set_defaults(fn=webhook_add)
    p.add_argument("target", metavar="URL", help="the receiver's URL")  # not "url": --url is the hub's
    p.add_argument("--event", action="append", help="an event name, repeat; default all (*)")
    p.add_argument("--secret", help="the signing secret (>= 16 characters; default: generated)")
    p = webhook.add_parser("list", parents=[common], help="list webhooks")
    p.set_defaults(fn=webhook_list)
    p = webhook.add_parser("deliveries", parents=[common], help="a webhook's recent deliveries")
    p.set_defaults(fn=webhook_deliveries)
    p.add_argument("webhook_id")
    p.add_argument("--status", choices=["pending", "delivered", "failed"])
    p.add_argument("--limit", type=int, default=20)
    p = webhook.add_parser("test", parents=[common], help="send a test ping now")
    p.set_defaults(fn=webhook_test)
    p.add_argument("webhook_id")
