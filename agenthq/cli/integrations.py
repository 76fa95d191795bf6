"""The CLI's invite and webhook commands: `connect`, `invite agent|user|list|revoke`,
`hook create|list|delete|rotate` (incoming) and `webhook add|list|delete|deliveries|test`."""

import re
import socket
from urllib.parse import urlsplit

from ..client import AgentHQClient, AgentHQError, credentials
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
    # Also kept as a profile named after the agent, for `agenthq mcp --agent NAME`.
    credentials.save_agent_profile(ctx.config_path, url, result["agent"], result["apiKey"])
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


async def invite_user(args, ctx):
    result = await ctx.client.create_user_invite(args.email, args.role)
    if ctx.printer.as_json:
        return ctx.printer.json(result)
    invite = result["invite"]
    print(f"Invite for {clean(invite['email'])} as {invite['role']} (shown once, valid until {invite['expires_at']}, "
          "single use):")
    print(result["url"])


async def invite_list(args, ctx):
    invites = await ctx.client.list_invites(type=args.type, status=args.status, limit=100)
    if ctx.printer.as_json:
        return ctx.printer.json(invites)
    for invite in invites:
        who = clean(invite["email"] or "") if invite["invite_type"] == "user" else ""
        print(f"{invite['id']}  {invite['invite_type']:5}  {invite['status']:8}  until {invite['expires_at']}  {who}")


async def invite_revoke(args, ctx):
    result = await ctx.client.revoke_invite(args.invite_id)
    if ctx.printer.as_json:
        return ctx.printer.json(result)
    print(f"Invite {args.invite_id} revoked")


def _print_hook_url(result, verb):
    print(f"Incoming webhook {result['hook']['id']} ({clean(result['hook']['name'])}) {verb}. "
          "Its URL, shown once (it is the credential):")
    print(result["url"])
    print(f"""Post with: curl -d '{{"text":"deploy done"}}' {result['url']}""")


async def hook_create(args, ctx):
    channel = await ctx.client.channel_id(args.channel)
    result = await ctx.client.create_incoming_webhook(args.name, channel, args.description)
    if ctx.printer.as_json:
        return ctx.printer.json(result)
    _print_hook_url(result, "created")


async def hook_list(args, ctx):
    hooks = await ctx.client.list_incoming_webhooks(limit=100)
    if ctx.printer.as_json:
        return ctx.printer.json(hooks)
    for hook in hooks:
        print(f"{hook['id']}  {clean(hook['name'])}  channel={hook['channel_id']}  "
              f"last used {hook['last_used_at'] or 'never'}")


async def hook_delete(args, ctx):
    result = await ctx.client.delete_incoming_webhook(args.hook_id)
    if ctx.printer.as_json:
        return ctx.printer.json(result)
    print(f"Incoming webhook {args.hook_id} deleted")


async def hook_rotate(args, ctx):
    result = await ctx.client.rotate_incoming_webhook(args.hook_id)
    if ctx.printer.as_json:
        return ctx.printer.json(result)
    _print_hook_url(result, "has a new URL; the old one no longer works")


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


async def webhook_delete(args, ctx):
    result = await ctx.client.delete_webhook(args.webhook_id)
    if ctx.printer.as_json:
        return ctx.printer.json(result)
    print(f"Webhook {args.webhook_id} deleted")


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
    p = invite.add_parser("user", parents=[common], help="make a one-use URL a person signs up with")
    p.set_defaults(fn=invite_user)
    p.add_argument("email")
    p.add_argument("--role", choices=["member", "admin"], default="member")
    p = invite.add_parser("list", parents=[common], help="list invites, newest first")
    p.set_defaults(fn=invite_list)
    p.add_argument("--type", choices=["agent", "user"])
    p.add_argument("--status", choices=["pending", "redeemed", "revoked", "expired"])
    p = invite.add_parser("revoke", parents=[common], help="revoke a pending invite")
    p.set_defaults(fn=invite_revoke)
    p.add_argument("invite_id")

    hook = sub.add_parser("hook", aliases=["hooks"], help="incoming webhooks (a URL that posts into a channel)")
    hook = hook.add_subparsers(dest="hook_command", required=True)
    p = hook.add_parser("create", parents=[common], help="make a URL that posts into a channel")
    p.set_defaults(fn=hook_create)
    p.add_argument("name")
    p.add_argument("--channel", default="general", help="channel name or id (default: general)")
    p.add_argument("--description")
    p = hook.add_parser("list", parents=[common], help="list incoming webhooks")
    p.set_defaults(fn=hook_list)
    p = hook.add_parser("delete", parents=[common], help="delete an incoming webhook (its URL stops working)")
    p.set_defaults(fn=hook_delete)
    p.add_argument("hook_id")
    p = hook.add_parser("rotate", parents=[common], help="give an incoming webhook a new URL")
    p.set_defaults(fn=hook_rotate)
    p.add_argument("hook_id")

    webhook = sub.add_parser("webhook", aliases=["webhooks"], help="outgoing webhooks")
    webhook = webhook.add_subparsers(dest="webhook_command", required=True)
    p = webhook.add_parser("add", aliases=["create"], parents=[common], help="send events to a URL, signed")
    p.set_defaults(fn=webhook_add)
    p.add_argument("target", metavar="URL", help="the receiver's URL")  # not "url": --url is the hub's
    p.add_argument("--event", action="append", help="an event name, repeat; default all (*)")
    p.add_argument("--secret", help="the signing secret (>= 16 characters; default: generated)")
    p = webhook.add_parser("list", parents=[common], help="list webhooks")
    p.set_defaults(fn=webhook_list)
    p = webhook.add_parser("delete", parents=[common], help="delete a webhook and its delivery log")
    p.set_defaults(fn=webhook_delete)
    p.add_argument("webhook_id")
    p = webhook.add_parser("deliveries", parents=[common], help="a webhook's recent deliveries")
    p.set_defaults(fn=webhook_deliveries)
    p.add_argument("webhook_id")
    p.add_argument("--status", choices=["pending", "delivered", "failed"])
    p.add_argument("--limit", type=int, default=20)
    p = webhook.add_parser("test", parents=[common], help="send a test ping now")
    p.set_defaults(fn=webhook_test)
    p.add_argument("webhook_id")
