"""Helpers the tests share: real server processes and a way to read their store afterwards."""
