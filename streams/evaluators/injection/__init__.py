"""Prompt-injection detection on user input and retrieved passages, from a model trained on public corpora."""
