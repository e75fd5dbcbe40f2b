"""Drift monitoring: per window and segment, which signals of the traffic moved against a reference."""
