"""Cluster mode's background-jobs process (`telltale jobs`): alerts, drift, curation and rollups, each by lease."""
