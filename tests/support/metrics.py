"""Reading a Prometheus /metrics page the way Prometheus does (its own parser), for the deployment tests."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(url: str) -> Samples:
    """Every sample of a /metrics page, keyed by name and labels."""
    response = httpx.get(url, timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """One sample's value; a series not (yet) exposed counts as 0."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def answers(url: str) -> bool:
    """True once something serves metrics at `url`."""
    try:
        scrape(url)
    except httpx.TransportError:
        return False
    return True
