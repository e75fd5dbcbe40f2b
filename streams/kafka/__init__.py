"""Kafka clients for cluster mode: producers and consumers with one set of guarantees, and topic administration."""
