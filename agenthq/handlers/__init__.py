"""HTTP and WebSocket handlers, one module per resource, each ending with its `routes`."""
