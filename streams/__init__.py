"""The processing pipeline shared by both runners: evaluate, store, dead-letter."""
