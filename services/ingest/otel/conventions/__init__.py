"""The table of conventions, most specific first: the first one that claims a span reads it."""

from __future__ import annotations

from telltale_server.services.ingest.otel.conventions import genai, openinference, openllmetry, vercel
from telltale_server.services.ingest.otel.conventions.base import Convention, Role
from telltale_server.services.ingest.otel.decode import Span

TABLE: tuple[Convention, ...] = (
    openinference.CONVENTION,
    vercel.CONVENTION,
    openllmetry.CONVENTION,
    genai.CONVENTION,
)


def classify(span: Span) -> tuple[Convention, Role] | None:
    """The convention a span is written in and its role there; None for a span none of them knows."""
    for convention in TABLE:
        role = convention.role(span)
        if role is not None:
            return convention, role
    return None
