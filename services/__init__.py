"""Telltale's services: the HTTP API and ingest, auth, metrics, the demo generator and the CLI."""
