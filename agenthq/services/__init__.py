"""Business rules, one module per resource. Each function runs on a database thread inside
one transaction (see storage.py), and a write returns (result, events) for the caller to
publish after commit. Nothing here knows about Tornado, handlers or the realtime registry."""
