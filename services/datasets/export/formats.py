"""The export formats as generators of bytes over pages of item rows: one page in memory at a time."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Literal

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from telltale_server.services.datasets.export.records import (
    JSON_COLUMNS,
    METADATA,
    FlowColumns,
    evals_record,
    flow_columns,
    flow_record,
)

Format = Literal["jsonl", "openai-evals", "csv", "parquet"]
Rows = Iterable[list[dict[str, Any]]]
MEDIA_TYPES: dict[str, str] = {
    "jsonl": "application/x-ndjson",
    "openai-evals": "application/x-ndjson",
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
}
EXTENSIONS: dict[str, str] = {"jsonl": "jsonl", "openai-evals": "jsonl", "csv": "csv", "parquet": "parquet"}


def jsonl(pages: Rows, columns: FlowColumns) -> Iterator[bytes]:
    """One flow record per line."""
    for page in pages:
        yield b"".join(orjson.dumps(flow_record(row, columns)) + b"\n" for row in page)


def openai_evals(pages: Rows, columns: FlowColumns) -> Iterator[bytes]:
    """One `{"input": [...], "ideal": ...}` sample per line (column names do not apply)."""
    del columns
    for page in pages:
        yield b"".join(orjson.dumps(evals_record(row)) + b"\n" for row in page)


def csv_rows(pages: Rows, columns: FlowColumns) -> Iterator[bytes]:
    """RFC 4180 CSV with a header; passages and structured columns are JSON text in their cell."""
    names = columns.names()
    structured = {columns.context, *JSON_COLUMNS}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(names)
    for page in pages:
        for row in page:
            record = flow_record(row, columns)
            writer.writerow(_cell(record[name], name in structured) for name in names)
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


def _cell(value: Any, structured: bool) -> str:
    if structured:
        return orjson.dumps(value).decode()
    return "" if value is None else str(value)


def parquet_schema(columns: FlowColumns) -> pa.Schema:
    """Texts as strings, passages as a list of strings, structured columns as JSON text."""
    fields = [
        pa.field(columns.question, pa.string()),
        pa.field(columns.context, pa.list_(pa.string())),
        pa.field(columns.answer, pa.string()),
        pa.field(columns.ground_truth, pa.string()),
        *(pa.field(name, pa.string()) for name in JSON_COLUMNS),
        *(pa.field(name, pa.string()) for name in METADATA),
    ]
    return pa.schema(fields)


class _Chunks:
    """A write-only file for ParquetWriter whose bytes are taken out after each row group."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.written = 0
        self.closed = False

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.written += len(data)
        return len(data)

    def tell(self) -> int:
        return self.written

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def parquet(pages: Rows, columns: FlowColumns) -> Iterator[bytes]:
    """One row group per page through pyarrow's ParquetWriter (zstd)."""
    schema = parquet_schema(columns)
    sink = _Chunks()
    writer = pq.ParquetWriter(sink, schema, compression="zstd")
    for page in pages:
        writer.write_batch(pa.record_batch(flow_columns(page, columns), schema=schema))
        yield sink.take()
    writer.close()
    yield sink.take()


WRITERS: dict[str, Callable[[Rows, FlowColumns], Iterator[bytes]]] = {
    "jsonl": jsonl,
    "openai-evals": openai_evals,
    "csv": csv_rows,
    "parquet": parquet,
}
