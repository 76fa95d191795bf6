"""/ws, the real-time socket (spec section 4), in three parts: `protocol` reads client frames
and builds server frames, `session` is one connection's state and rules (no Tornado: tests
drive it with a fake connection), and `handler` is the thin Tornado glue between them."""
