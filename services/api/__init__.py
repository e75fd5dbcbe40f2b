"""The HTTP API: routers per resource, auth as a dependency."""
