"""Synthetic but realistic RAG traffic, with failures worth finding, for demos, tests and benchmarks."""
