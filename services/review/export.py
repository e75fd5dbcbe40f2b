"""A queue's reviewed items in every dataset export format, with their ground truth: the same writers as a
dataset's versions, over the queue's collection of reviewed items."""

from __future__ import annotations

from collections.abc import Iterator

from telltale_server.schemas.store import Store
from telltale_server.services.datasets import draft, items
from telltale_server.services.datasets.export.formats import EXTENSIONS, WRITERS, Format
from telltale_server.services.datasets.export.records import FlowColumns
from telltale_server.services.review.schema import Queue


def export(store: Store, queue: Queue, format: Format, columns: FlowColumns) -> tuple[Iterator[bytes], int, str]:
    """(the bytes, page by page; how many items; a file name)."""
    count = draft.draft_size(store, queue.project_id, queue.id)[0]
    body = WRITERS[format](items.pages(store, queue.project_id, queue.id, 0), columns)
    return body, count, f"{queue.id}-reviewed.{EXTENSIONS[format]}"
