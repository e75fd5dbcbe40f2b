"""Evaluators: one class each, scoring batches of inference events."""
