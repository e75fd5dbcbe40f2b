"""Exports of a dataset version, streamed page by page: JSONL for flows, OpenAI evals, CSV and Parquet."""
