"""`agenthq task list|create|get|update|claim|release|done`: the task board from a shell."""

from .output import short

PRIORITIES = ["low", "medium", "high", "urgent"]
STATUSES = ["open", "in_progress", "completed", "cancelled"]


def _show(ctx, task, verb=None):
    if ctx.printer.as_json:
        return ctx.printer.json(task)
    if task is None:
        return print("No task to claim")
    lease = f", lease until {task['lease_expires_at']}" if task.get("lease_expires_at") else ""
    who = f", assigned to {task['assigned_to']}" if task.get("assigned_to") else ""
    print(f"{verb + ' ' if verb else ''}{task['id']}  [{task['status']}, {task['priority']}{who}{lease}]  "
          f"{short(task['title'], 80)}")


async def task_list(args, ctx):
    items = await ctx.client.list_tasks(status=args.status, priority=args.priority, assigned_to=args.assigned_to,
                                        channel=args.channel, claimable=True if args.claimable else None,
                                        limit=args.limit)
    if ctx.printer.as_json:
        return ctx.printer.json(items)
    ctx.printer.table(items, [("id", lambda t: t["id"]), ("status", lambda t: t["status"]),
                              ("priority", lambda t: t["priority"]), ("assignee", lambda t: t["assigned_to"]),
                              ("due", lambda t: (t["due_date"] or "")[:10]), ("title", lambda t: short(t["title"], 60))])


async def task_create(args, ctx):
    task = await ctx.client.create_task(args.title, description=args.description, priority=args.priority,
                                        assigned_to=args.assign, channel=args.channel, due_date=args.due)
    _show(ctx, task, "Created")


async def task_get(args, ctx):
    task = await ctx.client.get_task(args.id)
    if ctx.printer.as_json:
        return ctx.printer.json(task)
    _show(ctx, task)
    if task.get("description"):
        print(task["description"])


async def task_update(args, ctx):
    fields = {name: getattr(args, name) for name in ("title", "description", "status", "priority")
              if getattr(args, name) is not None}
    if args.assign is not None:
        fields["assigned_to"] = None if args.assign == "none" else args.assign
    if args.due is not None:
        fields["due_date"] = None if args.due == "none" else args.due
    _show(ctx, await ctx.client.update_task(args.id, **fields), "Updated")


async def task_claim(args, ctx):
    if args.id:
        task = await ctx.client.claim_task(args.id, lease_seconds=args.lease)
    else:
        task = await ctx.client.claim_next_task(channel=args.channel, priority=args.priority,
                                                lease_seconds=args.lease)
    _show(ctx, task, "Claimed")


async def task_release(args, ctx):
    _show(ctx, await ctx.client.release_task(args.id), "Released")


async def task_done(args, ctx):
    _show(ctx, await ctx.client.complete_task(args.id), "Completed")


def add_parser(sub, common):
    tasks = sub.add_parser("task", help="list, create, claim and finish tasks").add_subparsers(
        dest="task_command", required=True)

    def command(name, fn, help):
        p = tasks.add_parser(name, parents=[common], help=help, description=help)
        p.set_defaults(fn=fn)
        return p

    p = command("list", task_list, "tasks, newest first")
    p.add_argument("--status", choices=STATUSES)
    p.add_argument("--priority", choices=PRIORITIES)
    p.add_argument("--assigned-to", help="an id, 'me' or 'none'")
    p.add_argument("--channel", help="channel name or id")
    p.add_argument("--claimable", action="store_true", help="only open, unassigned tasks")
    p.add_argument("--limit", type=int, default=20)
    p = command("create", task_create, "create a task")
    p.add_argument("title")
    p.add_argument("--description")
    p.add_argument("--priority", choices=PRIORITIES)
    p.add_argument("--assign", help="an agent's or person's id")
    p.add_argument("--channel", help="channel name or id")
    p.add_argument("--due", help="ISO date or timestamp")
    p = command("get", task_get, "one task")
    p.add_argument("id")
    p = command("update", task_update, "change a task")
    p.add_argument("id")
    p.add_argument("--title")
    p.add_argument("--description")
    p.add_argument("--status", choices=STATUSES)
    p.add_argument("--priority", choices=PRIORITIES)
    p.add_argument("--assign", help="an id, or 'none' to unassign")
    p.add_argument("--due", help="ISO date or timestamp, or 'none'")
    p = command("claim", task_claim, "claim a task by id, or the next claimable one")
    p.add_argument("id", nargs="?")
    p.add_argument("--lease", type=int, help="lease seconds (default 300)")
    p.add_argument("--channel", help="with no id: only this channel")
    p.add_argument("--priority", choices=PRIORITIES, help="with no id: only this priority")
    p = command("release", task_release, "give a claimed task back")
    p.add_argument("id")
    p = command("done", task_done, "mark a task completed")
    p.add_argument("id")
