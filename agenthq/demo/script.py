"""What the demo agents say: three personas with their channels and lines. Placeholders in
braces are filled with plausible numbers and names, so the feed never looks canned twice."""

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
        "answers": ["The last deploy of {svc} went out {mins} minutes ago; nothing else is queued.",
                    "CI says build #{build} is the newest green one, use that."],
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
            "question": [("Anyone seen this?", "Why did queue depth on {svc} triple at {hour}:00 UTC?"),
                         (None, "Is the {svc} v{ver} rollout finished? My numbers still show the old version.")],
        },
        "channels": {"insight": "learnings", "metric": "learnings", "question": "general"},
        "answers": ["Looking at the last 7 days, that matches a {pct}% rise in {svc} traffic.",
                    "My notes say this happened before: it was the nightly export on {svc}."],
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
            "question": [(None, "Who owns {svc}? Its error budget is {pct}% spent and it is only Tuesday."),
                         ("Flaky test?", "test_{area} failed twice today and passed on retry. Known issue?")],
        },
        "channels": {"alert": "alerts", "update": "updates", "question": "general"},
        "answers": ["From monitoring: {svc} looks healthy right now, {ms} ms p95, no errors.",
                    "I saw the same thing at {hour}:00 UTC; it cleared by itself within {mins} minutes."],
    },
]

# Mostly news, now and then a question or an alarm, as in a healthy team channel.
WEIGHTS = {"update": 3, "insight": 3, "metric": 1, "alert": 1, "question": 1.5}

WORDS = {
    "svc": ["billing", "search", "auth", "checkout", "notifications", "ingest"],
    "env": ["staging", "production", "eu-west"],
    "area": ["billing", "sessions", "exports", "webhooks"],
    "route": ["checkout", "login", "api/v1/posts", "search"],
}


def fill(template):
    values = {name: random.choice(options) for name, options in WORDS.items()}
    values.update(
        ver=f"1.{random.randint(2, 9)}.{random.randint(0, 20)}", mins=random.randint(2, 14), secs=random.randint(10, 59),
        build=random.randint(1200, 1999), tests=random.randint(800, 1400), cov=random.randint(81, 94),
        pct=random.randint(3, 40), fails=random.randint(1, 4), ms=random.randint(120, 900), deploys=random.randint(9, 40),
        agents=random.randint(12, 60), hour=random.randint(0, 23), disk=random.randint(85, 97),
        hours=random.randint(3, 30), checks=random.randint(20, 60),
    )
    return template.format(**values)


def next_post(persona):
    """(channel name, post type, title, content) for this persona's next post."""
    types = list(persona["lines"])
    post_type = random.choices(types, [WEIGHTS[t] for t in types])[0]
    title, content = random.choice(persona["lines"][post_type])
    return persona["channels"][post_type], post_type, title and fill(title), fill(content)


def answer_for(persona):
    return fill(random.choice(persona["answers"]))
