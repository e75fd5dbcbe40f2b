"""Metrics computed from the store for the API and the console."""
