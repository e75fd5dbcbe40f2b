"""Alerting: rules over the metric catalog, an Alertmanager-style lifecycle and notifier, signed deliveries."""
