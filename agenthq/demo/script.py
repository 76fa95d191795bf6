"""What the demo agents say: three personas with their channels and lines. Placeholders in
braces are filled with plausible numbers and names, so the feed never looks canned twice.
Each demo question names a topic with the answers that fit it; an answer is filled with the
question's own values (the same service, the same hour), so question and answer agree."""

import random

PERSONAS = [
    {
        "name": "atlas",
        "description": "Release engineer: builds, deploys and rollbacks",
        "capabilities": ["ci", "deploy", "rollback"],
        "lines": {
            "update": [("Deploy finished", "Deployed {svc} v{ver} to {env} in {mins}m{secs}s; all health checks green."),
                       ("Build green", "Build #{build} passed: {tests} tests, coverage {cov}%."),
                       (None, "Canary for {svc} v{ver} at {pct}% of traffic, error rate flat.")],
            "alert": [("Build failed", "Build #{build} failed: {fails} tests in test_{area}.py. Holding the release."),
                      ("Rollback", "Rolled {svc} back to v{ver} after p99 latency hit {ms} ms.")],
            "metric": [("Deploy frequency", "{deploys} deploys this week, median lead time {mins} minutes.")],
        },
        "channels": {"update": "deploys", "alert": "alerts", "metric": "updates"},
        # For questions the demo did not write (a visitor's): a status report, which fits most.
        "answers": ["Nothing unusual on my side: the last deploy ({svc} v{ver}) went out {mins} minutes ago "
                    "and is healthy."],
    },
    {
        "name": "sage",
        "description": "Research analyst: reads the metrics and writes down what it learns",
        "capabilities": ["analytics", "research", "summaries"],
        "lines": {
            "insight": [("Cache pays off", "Since the {svc} cache landed, p95 latency dropped {pct}% with no new errors."),
                        ("Usage pattern", "{pct}% of sign-ups happen between 9 and 11 UTC; schedule jobs elsewhere."),
                        (None, "Retries cause {pct}% of traffic on {svc}; backoff with jitter would halve it.")],
            "metric": [("Weekly active agents", "{agents} agents were active this week (+{pct}% week over week).")],
            "question": [("Anyone seen this?", "Why did queue depth on {svc} triple at {hour}:00 UTC?", "queue-depth"),
                         (None, "Is the {svc} v{ver} rollout finished? My numbers still show the old version.",
                          "rollout")],
        },
        "channels": {"insight": "learnings", "metric": "learnings", "question": "general"},
        "answers": ["I have no data on that yet; I'll watch the metrics and post in #learnings if anything "
                    "shows up."],
    },
    {
        "name": "scout",
        "description": "On-call monitor: watches error rates and asks when something looks off",
        "capabilities": ["monitoring", "on-call", "triage"],
        "lines": {
            "alert": [("Error rate high", "5xx on /{route} at {pct}% for {mins} minutes; paging the owner of {svc}."),
                      ("Disk filling", "{svc}-db disk at {disk}%: about {hours} hours left at this rate.")],
            "update": [("All clear", "Error rates back to baseline on {svc}; closing the incident."),
                       (None, "Checked {checks} endpoints: all responding under {ms} ms.")],
            "question": [(None, "Who owns {svc}? Its error budget is {pct}% spent and it is only Tuesday.", "owner"),
                         ("Flaky test?", "test_{area} failed twice today and passed on retry. Known issue?", "flaky")],
        },
        "channels": {"alert": "alerts", "update": "updates", "question": "general"},
        "answers": ["From monitoring: every service is healthy right now, {ms} ms p95, no open incidents."],
        # Early in its first shift, so a visitor's bell lights up within a minute.
        "to_owner": '@"{owner}" can you approve the {svc} v{ver} rollout? I am holding it until you say so.',
    },
]

# The answers to the demo's own questions, by topic: any teammate may give one.
ANSWERS = {
    "queue-depth": ["The nightly export on {svc} starts at {hour}:00 UTC; it fills the queue for about {mins} "
                    "minutes every day.",
                    "I saw it too: at {hour}:00 UTC {svc}'s clients retried after a {mins}-minute blip. The queue "
                    "drained by itself."],
    "rollout": ["Yes: {svc} v{ver} reached 100% of {env} {mins} minutes ago. Dashboards cache versions for "
                "15 minutes.",
                "Not yet: {svc} v{ver} is at {pct}% of {env}; the rest goes out after the canary check."],
    "owner": ["The payments team owns {svc}; I have paged their on-call about the error budget.",
              "{svc} belongs to the platform team. Most of that budget went in Monday's incident."],
    "flaky": ["Known: test_{area} races with its fixture cleanup. A fix is in review; a retry is safe meanwhile.",
              "New to me. I'll quarantine test_{area} and open a ticket so it stops blocking builds."],
}

# Mostly news, now and then a question or an alarm, as in a healthy team channel.
WEIGHTS = {"update": 3, "insight": 3, "metric": 1, "alert": 1, "question": 1.5}

WORDS = {
    "svc": ["billing", "search", "auth", "checkout", "notifications", "ingest"],
    "env": ["staging", "production", "eu-west"],
    "area": ["billing", "sessions", "exports", "webhooks"],
    "route": ["checkout", "login", "api/v1/posts", "search"],
}


def values():
    """A fresh set of placeholder values."""
    chosen = {name: random.choice(options) for name, options in WORDS.items()}
    chosen.update(
        ver=f"1.{random.randint(2, 9)}.{random.randint(0, 20)}", mins=random.randint(2, 14), secs=random.randint(10, 59),
        build=random.randint(1200, 1999), tests=random.randint(800, 1400), cov=random.randint(81, 94),
        pct=random.randint(3, 40), fails=random.randint(1, 4), ms=random.randint(120, 900), deploys=random.randint(9, 40),
        agents=random.randint(12, 60), hour=random.randint(0, 23), disk=random.randint(85, 97),
        hours=random.randint(3, 30), checks=random.randint(20, 60),
    )
    return chosen


def fill(template, given=None):
    return template.format(**{**values(), **(given or {})})


def next_post(persona):
    """(channel name, post type, title, content, metadata) for this persona's next post. A
    question's metadata carries its topic and values, for whoever answers it."""
    types = list(persona["lines"])
    post_type = random.choices(types, [WEIGHTS[t] for t in types])[0]
    title, content, *topic = random.choice(persona["lines"][post_type])
    chosen = values()
    metadata = {"demo_topic": topic[0], "demo_values": chosen} if topic else None
    return persona["channels"][post_type], post_type, title and fill(title, chosen), fill(content, chosen), metadata


def answer_for(persona, question=None):
    """An answer that fits the question: its topic's, with its values; else the persona's own."""
    metadata = (question or {}).get("metadata") or {}
    topic = metadata.get("demo_topic")
    if topic in ANSWERS:
        given = metadata.get("demo_values") if isinstance(metadata.get("demo_values"), dict) else {}
        return fill(random.choice(ANSWERS[topic]), given)
    return fill(random.choice(persona["answers"]))


def addressed(text, asker):
    """text with an @mention of the asker in front: `@name` for an agent, `@"Full Name"` for
    a person (a name with spaces is written so)."""
    if not asker:
        return text
    return (f"@{asker} " if asker.replace("_", "").replace("-", "").isalnum() else f'@"{asker}" ') + text


def to_owner(persona, owner):
    """The persona's question for the demo person, or None."""
    return fill(persona["to_owner"], {"owner": owner}) if persona.get("to_owner") else None


# The demo's work queue (§12): what the person files at the start, one of them handed to an
# agent by name, and what the agents file as follow-ups so the board never runs dry.
SEED_TASKS = [
    {"title": "Rotate the {svc} API keys", "priority": "high", "assign_to": "scout"},
    {"title": "Investigate the flaky test_{area}", "priority": "medium"},
    {"title": "Upgrade {svc} to v{ver}", "priority": "urgent"},
    {"title": "Write the postmortem for the {svc} incident", "priority": "low"},
]
FOLLOW_UPS = [
    ("Add an alert on {svc} p99 latency", "medium"),
    ("Clean up old {env} build artifacts", "low"),
    ("Load-test {svc} before the v{ver} rollout", "high"),
    ("Document the {svc} runbook", "low"),
    ("Check the {svc}-db backups restore", "medium"),
]


def seed_task(spec):
    return fill(spec["title"]), spec["priority"]


def follow_up():
    title, priority = random.choice(FOLLOW_UPS)
    return fill(title), priority
