"""Each export format parses back to the same items; a redacted version leaks no PII in any format."""

from __future__ import annotations

import csv
import io
from typing import Any

import orjson
import pyarrow.parquet as pq
import pytest

from telltale_server.services.datasets.catalog import DatasetCatalog
from telltale_server.services.datasets.export.formats import WRITERS, parquet_schema
from telltale_server.services.datasets.export.records import FlowColumns
from telltale_server.services.datasets.items import pages
from telltale_server.services.datasets.spec import DatasetSpec
from telltale_server.services.datasets.versions import freeze
from telltale_server.services.runtime import Runtime
from tests.support.datasets import Traffic, at

EMAIL, PHONE, CARD = "jane.doe@example.com", "+1 415 555 0132", "4111 1111 1111 1111"
TRICKY = "Il a dit \"oui\", puis:\nligne 2, virgule; 日本語 ✓ — 'quote'"


def export(runtime: Runtime, project: str, dataset_id: str, fmt: str, columns: FlowColumns, page: int = 2) -> bytes:
    source = pages(runtime.store, project, dataset_id, 1, page_size=page)
    return b"".join(WRITERS[fmt](source, columns))


def parse(fmt: str, body: bytes, columns: FlowColumns) -> list[dict[str, Any]]:
    """Back to flow records with structured values decoded."""
    structured = {columns.context, "messages", "feedback", "evaluations"}
    if fmt == "jsonl":
        return [orjson.loads(line) for line in body.splitlines()]
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(body.decode(), newline="")))
        nullable = {columns.answer, columns.ground_truth}  # CSV writes null as an empty cell
        return [
            {k: orjson.loads(v) if k in structured else (v or None) if k in nullable else v for k, v in row.items()}
            for row in rows
        ]
    table = pq.read_table(io.BytesIO(body))
    assert table.schema.equals(parquet_schema(columns))
    records = table.to_pylist()
    return [{k: orjson.loads(v) if k in structured - {columns.context} else v for k, v in r.items()} for r in records]


@pytest.fixture
def dataset(runtime: Runtime, project: str) -> dict[str, Any]:
    t = Traffic(runtime.store, project)
    leaky = t.call(
        ts=at(1),
        input=[{"role": "system", "content": "Help."}, {"role": "user", "content": f"Mail me at {EMAIL} please"}],
        output=f"Sure, I will call {PHONE}. Your card {CARD} is on file.",
        contexts=[f"Customer record: {EMAIL}, phone {PHONE}"],
    )
    t.feedback(leaky, kind="correction", correction=f"Never repeat {CARD}", comment=f"It leaked {EMAIL}")
    t.evaluation(leaky, "safety.pii", "output", 1.0, "pii", types={"EMAIL": 1})
    t.call(ts=at(2), input=TRICKY, output=TRICKY, contexts=[TRICKY, "second passage"])
    t.call(ts=at(3), input="plain", output=None, status="error", error="timeout")
    query = {"start": at(0), "end": at(10)}
    catalog = DatasetCatalog(runtime.store)
    raw = catalog.save(project, DatasetSpec.model_validate({"name": "raw", "query": query}))
    redacted = catalog.save(project, DatasetSpec.model_validate({"name": "red", "query": query, "redact_pii": True}))
    freeze(runtime.store, raw, "t")
    freeze(runtime.store, redacted, "t")
    return {"raw": raw.id, "redacted": redacted.id}


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_formats_parse_back_to_the_same_items(
    runtime: Runtime, project: str, dataset: dict[str, Any], fmt: str
) -> None:
    columns = FlowColumns(question="query", context="documents")
    expected = parse("jsonl", export(runtime, project, dataset["raw"], "jsonl", columns), columns)
    got = parse(fmt, export(runtime, project, dataset["raw"], fmt, columns), columns)
    assert got == expected
    assert [r["query"] for r in got] == [f"Mail me at {EMAIL} please", TRICKY, "plain"]
    assert got[1]["documents"] == [TRICKY, "second passage"]
    assert got[1]["answer"] == TRICKY
    assert got[2]["answer"] is None
    assert got[0]["ground_truth"] == f"Never repeat {CARD}"
    assert got[0]["messages"][1]["content"] == f"Mail me at {EMAIL} please"
    assert set(got[0]) == set(columns.names())


def test_openai_evals_samples(runtime: Runtime, project: str, dataset: dict[str, Any]) -> None:
    body = export(runtime, project, dataset["raw"], "openai-evals", FlowColumns())
    samples = [orjson.loads(line) for line in body.splitlines()]
    assert len(samples) == 3
    first = samples[0]
    assert [m["role"] for m in first["input"]] == ["system", "system", "user"]
    assert first["input"][1]["content"].startswith("Passages:\n\n[1] Customer record")
    assert first["ideal"] == f"Never repeat {CARD}"
    assert samples[2] == {
        "input": [{"role": "user", "content": "plain"}],
        "ideal": None,
        "event_id": samples[2]["event_id"],
    }


@pytest.mark.parametrize("fmt", ["jsonl", "openai-evals", "csv", "parquet"])
def test_redacted_version_has_no_pii_in_any_format(
    runtime: Runtime, project: str, dataset: dict[str, Any], fmt: str
) -> None:
    body = export(runtime, project, dataset["redacted"], fmt, FlowColumns())
    text = (
        body.decode("utf-8", errors="replace") if fmt != "parquet" else str(pq.read_table(io.BytesIO(body)).to_pylist())
    )
    for secret in (EMAIL, PHONE, CARD, "jane.doe", "555 0132", "1111 1111"):
        assert secret not in text
    assert "[EMAIL]" in text and "[PHONE]" in text and "[CREDIT_CARD]" in text
    assert "ligne 2, virgule; 日本語 ✓" in text  # everything else is kept


def test_bad_column_names_are_refused() -> None:
    with pytest.raises(ValueError):
        FlowColumns(question="answer")
    with pytest.raises(ValueError):
        FlowColumns(context="event_id")
