"""Drift results as the API and the alert engine read them."""
