"""Outgoing webhooks' moving parts: the SSRF guard and sender (guard.py, blocking, run on a
thread pool) and the dispatcher that follows the event log (dispatcher.py)."""
