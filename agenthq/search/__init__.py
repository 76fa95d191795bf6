"""Unified search (§15): the query language (query), post filters (posts) and /search (unified)."""
