"""Runners: thin adapters that feed batches to the pipeline and commit progress after the store."""
