"""Events as plain data: the one table of names and audiences, the constructors, the
registry's routing of each audience, the log's keeping of a recipient, and the rule that the
registry and the broker run without Peewee or Tornado."""

import json
import pathlib
import re
import sqlite3
import subprocess
import sys

import pytest

from agenthq import eventlog, events
from agenthq.auth import Identity
from agenthq.events import CHANNEL, EVENTS, IDENTITY, MEMBERS, ORG, Event
from agenthq.models import SCHEMA_VERSION, Organization, database, open_database
from agenthq.realtime import Registry

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_the_registry_and_the_broker_import_neither_peewee_nor_tornado():
    code = (
        "import json, sys\n"
        "import agenthq.events, agenthq.realtime, agenthq.broker\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('peewee', 'playhouse', 'tornado'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_events_py_uses_only_the_standard_library():
    source = (ROOT / "agenthq" / "events.py").read_text()
    imported = set(re.findall(r"^(?:from|import) ([\w.]+)", source, re.M))
    assert imported <= {"json", "dataclasses"}, imported


def test_every_event_name_the_code_emits_is_in_the_table_written_out():
    """Names are written in full where they are emitted, so grep finds them, and each is one
    of the table's."""
    emitted = set()
    for path in (ROOT / "agenthq" / "services").glob("*.py"):
        emitted |= set(re.findall(r'eventlog\.\w+_event\("([a-z]+\.[a-z_]+)"', path.read_text()))
        emitted |= set(re.findall(r'name = "([a-z]+\.[a-z_]+)"', path.read_text()))
    assert {"post.created", "post.updated", "post.deleted", "channel.created", "agent.online"} <= emitted
    assert emitted <= set(EVENTS), emitted - set(EVENTS)
    assert not re.search(r'f"(post|agent|channel)\.\{', "".join(
        p.read_text() for p in (ROOT / "agenthq").rglob("*.py")))


def test_the_table_lists_the_later_sections_events_with_their_audiences():
    audiences = {name: kind.audience for name, kind in EVENTS.items()}
    assert audiences["notification.created"] == audiences["notification.read"] == audiences["channel.read"] == IDENTITY
    assert audiences["thread.updated"] == audiences["reaction.created"] == audiences["reaction.deleted"] == CHANNEL
    for name in ("task.created", "task.updated", "task.claimed", "task.released", "task.expired", "task.deleted",
                 "insight.created", "agent.created"):
        assert audiences[name] == ORG
    # Webhooks never get what only one identity, or only members, may see.
    assert not any(kind.webhook for kind in EVENTS.values() if kind.audience == IDENTITY)
    assert not EVENTS["insight.created"].webhook  # not in the selectable list


def test_constructors_narrow_private_events_and_demand_a_recipient():
    channel = {"id": "c1", "org_id": "o1", "type": "private"}
    assert events.channel_event("channel.created", channel).audience == MEMBERS
    assert events.channel_event("channel.created", {**channel, "type": "public"}).audience == ORG
    post = {"id": "p", "org_id": "o1", "channel_id": "c1"}
    assert events.post_event("post.created", post, private=True).members_only
    assert not events.post_event("post.created", post, private=False).members_only
    assert events.draft("task.created", "o1", {}, "c1", private=True).audience == MEMBERS
    assert events.draft("channel.read", "o1", {}, recipient_id="u1").recipient_id == "u1"
    with pytest.raises(ValueError):
        events.draft("channel.read", "o1", {})
    with pytest.raises(ValueError):
        events.draft("post.created", "o1", {}, "c1", recipient_id="u1")
    with pytest.raises(KeyError):
        events.draft("post.creatd", "o1", {})


def test_an_identity_event_reaches_only_that_identitys_connections():
    class Fake:
        def __init__(self, org_id, id_):
            self.identity = Identity("user", id_, org_id, "member")
            self.got = []

        def deliver(self, event, message):
            self.got.append(message.text)

    registry = Registry()
    mine, my_other_tab, colleague, stranger = Fake("o1", "u1"), Fake("o1", "u1"), Fake("o1", "u2"), Fake("o2", "u1")
    for fake in (mine, my_other_tab, colleague, stranger):
        registry.register(fake)
    note = Event("o1", 1, "notification.created", IDENTITY, None, {"id": "n"}, "t", recipient_id="u1")
    assert registry.publish(note) == 2
    sentinel = Event("o1", 2, "agent.updated", ORG, None, {"id": "a"}, "t")
    registry.publish(sentinel)
    assert [len(f.got) for f in (mine, my_other_tab, colleague, stranger)] == [2, 2, 1, 0]
    assert "recipient" not in mine.got[0]  # the recipient is routing, never sent


def test_the_log_keeps_an_identity_events_recipient_and_replays_it_to_them_alone(tmp_path):
    open_database(str(tmp_path / "log.db"))
    with database.connection_context():
        Organization.create(id="o1", name="O", slug="o")
        with database.atomic():
            note = eventlog.record(events.draft("notification.created", "o1", {"id": "n1"}, recipient_id="u1"))
            other = eventlog.record(events.draft("agent.updated", "o1", {"id": "a"}))
        assert (note.seq, other.seq) == (1, 2)
        assert [e.type for e in eventlog.replay("o1", 0, recipient_id="u1")] == ["notification.created", "agent.updated"]
        assert [e.recipient_id for e in eventlog.replay("o1", 0, recipient_id="u1")] == ["u1", None]
        assert [e.type for e in eventlog.replay("o1", 0, recipient_id="u2")] == ["agent.updated"]
        assert [e.type for e in eventlog.replay("o1", 0)] == ["agent.updated"]
        assert eventlog.logged("o1", 0, 2)[0].recipient_id == "u1"


def test_a_version_1_database_gains_the_recipient_column_at_start(tmp_path):
    path = str(tmp_path / "old.db")
    open_database(path)
    with sqlite3.connect(path) as db:  # what version 1 looked like, with an event in it
        db.execute('ALTER TABLE "event" DROP COLUMN "recipient_id"')
        db.execute("INSERT INTO event (org_id, seq, type, audience, data, timestamp) "
                   "VALUES ('o1', 1, 'agent.updated', 'org', '{}', '2026-01-01T00:00:00.000Z')")
        db.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    open_database(path)
    with sqlite3.connect(path) as db:
        columns = [row[1] for row in db.execute('PRAGMA table_info("event")')]
        version = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
        kept = db.execute("SELECT type, recipient_id FROM event").fetchall()
    assert "recipient_id" in columns and version == str(SCHEMA_VERSION)
    assert kept == [("agent.updated", None)]
