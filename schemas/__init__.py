"""Telltale's contracts: events, evaluations, storage DDL and the store client."""
