"""Ingest: read a batch, validate each event, append the valid ones to the event log, dead-letter the rest."""
