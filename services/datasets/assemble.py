"""Build items from chosen events: the event's text, its feedback, evaluations and annotation, as a copy.

Without redaction, ClickHouse copies the items itself (INSERT ... SELECT), which is what makes a
100,000-item version quick. With redaction, the same SELECT streams through Python in blocks, every text
field is masked by the PII detector, and only then is anything written.
"""

from __future__ import annotations

from typing import Any

from telltale_server.schemas.store import Store
from telltale_server.services.datasets.items import ANNOTATIONS, annotated
from telltale_server.services.datasets.redaction import redact_item
from telltale_server.services.datasets.selection import Selection

ITEM_COLUMNS = (
    "project_id",
    "dataset_id",
    "version",
    "position",
    "event_id",
    "event_ts",
    "input_hash",
    "input_text",
    "input_messages",
    "output",
    "contexts",
    "ground_truth",
    "feedback",
    "evaluations",
    "model",
    "route",
    "prompt_version",
    "environment",
    "label",
    "note",
    "added_at",
)
_INSERT = f"INSERT INTO dataset_items ({', '.join(ITEM_COLUMNS)}) "
_RUN = (
    "FROM dataset_selections WHERE project_id = {p:String} AND run_id = {r:String} "
    "AND position >= {first:UInt64} AND position < {stop:UInt64}"
)
_SELECTED = f"SELECT event_id, trace_id {_RUN}"
REDACT_BATCH = 1000
"""Items masked and written at a time when redacting: one batch in memory."""


def _json(column: str) -> str:
    """A column as JSON text; ClickHouse's toJSONString gives NULL (not 'null') for a NULL."""
    return f"if(isNull({column}), 'null', toJSONString(assumeNotNull({column})))"


def _object(fields: dict[str, str]) -> str:
    """SQL building one JSON object from field name -> SQL expression of its JSON text."""
    parts = ", ',', ".join(f"'\"{name}\":', {expression}" for name, expression in fields.items())
    return f"concat('{{', {parts}, '}}')"


_FEEDBACK_JSON = _object(
    {
        "event_id": "toJSONString(toString(event_id))",
        "kind": "toJSONString(toString(kind))",
        "value": "if(value = '', 'null', value)",
        "negative": "if(negative = 1, 'true', 'false')",
        "correction": _json("correction"),
        "comment": _json("comment"),
        "source": "toJSONString(toString(source))",
        "ts": "toJSONString(toString(ts))",
    }
)
_FEEDBACK_COLUMNS = f"ts, event_id, kind, correction, {_FEEDBACK_JSON} AS json"
_EVALUATION_JSON = _object(
    {
        "evaluator": "toJSONString(toString(evaluator))",
        "evaluator_version": "toJSONString(toString(evaluator_version))",
        "metric": "toJSONString(toString(metric))",
        "value": _json("value"),
        "label": "toJSONString(toString(label))",
        "details": "if(details = '', '{}', details)",
    }
)

_ITEMS = f"""
SELECT {{p:String}} AS project_id, {{d:String}} AS dataset_id, {{v:UInt32}} AS version, s.position AS position,
    e.event_id AS event_id, e.ts AS event_ts, s.input_hash AS input_hash, e.input_text AS input_text,
    e.input_messages AS input_messages, e.output AS output, e.contexts AS contexts,
    if(a.event_id IS NOT NULL AND a.corrected_answer IS NOT NULL, a.corrected_answer, fb.correction) AS ground_truth,
    if(fb.e_id IS NULL, '[]', fb.feedback) AS feedback, if(ev.event_id IS NULL, '[]', ev.evaluations) AS evaluations,
    e.model AS model, e.route AS route, e.prompt_version AS prompt_version, e.environment AS environment,
    ifNull(a.label, '') AS label, ifNull(a.note, '') AS note, now64(6) AS added_at
FROM (SELECT event_id, position, input_hash {_RUN}) AS s
INNER JOIN (SELECT event_id, ts, input_text, input_messages, output, contexts, model, route, prompt_version,
            environment FROM inference_events FINAL WHERE project_id = {{p:String}}
            AND ts >= {{lo:DateTime64(3)}} AND ts <= {{hi:DateTime64(3)}}
            AND event_id IN (SELECT event_id FROM ({_SELECTED}))) AS e ON e.event_id = s.event_id
LEFT JOIN (
    SELECT e_id, concat('[', arrayStringConcat(arrayMap(x -> x.3, arraySort(groupArray((ts, toString(event_id),
           json)))), ','), ']') AS feedback,
           argMaxIf(correction, (ts, event_id), ifNull(correction, '') != '') AS correction
    FROM (
        SELECT assumeNotNull(inference_id) AS e_id, {_FEEDBACK_COLUMNS} FROM feedback_events FINAL
        WHERE project_id = {{p:String}} AND inference_id IN (SELECT event_id FROM ({_SELECTED}))
        UNION ALL
        SELECT t.event_id AS e_id, f.ts AS ts, f.event_id AS event_id, f.kind AS kind, f.correction AS correction,
               f.json AS json
        FROM (SELECT trace_id, {_FEEDBACK_COLUMNS} FROM feedback_events FINAL WHERE project_id = {{p:String}}
              AND inference_id IS NULL AND trace_id != ''
              AND trace_id IN (SELECT trace_id FROM ({_SELECTED}) WHERE trace_id != '')) AS f
        INNER JOIN (SELECT event_id, trace_id FROM ({_SELECTED}) WHERE trace_id != '') AS t ON f.trace_id = t.trace_id
    ) GROUP BY e_id
) AS fb ON fb.e_id = e.event_id
LEFT JOIN (
    SELECT event_id, concat('[', arrayStringConcat(arrayMap(x -> x.4, arraySort(groupArray((evaluator,
           evaluator_version, metric, {_EVALUATION_JSON})))), ','), ']') AS evaluations
    FROM evaluations FINAL WHERE project_id = {{p:String}} AND ts >= {{lo:DateTime64(3)}} AND ts <= {{hi:DateTime64(3)}}
    AND event_id IN (SELECT event_id FROM ({_SELECTED})) GROUP BY event_id
) AS ev ON ev.event_id = e.event_id
LEFT JOIN (SELECT event_id, label, note, corrected_answer FROM dataset_annotations FINAL
           WHERE project_id = {{p:String}} AND dataset_id = {{d:String}}) AS a ON a.event_id = e.event_id
SETTINGS join_use_nulls = 1
"""


def write_items(store: Store, selection: Selection, dataset_id: str, version: int, redact: bool) -> None:
    """Copy the selection's events into items of `version` (0 = the draft), redacted first if asked."""
    if selection.count == 0:
        return
    bounds = store.rows(
        "SELECT min(ts) AS lo, max(ts) AS hi FROM dataset_selections WHERE project_id = {p:String} "
        "AND run_id = {r:String}",
        {"p": selection.project_id, "r": selection.run_id},
    )[0]
    params = {
        "p": selection.project_id,
        "r": selection.run_id,
        "d": dataset_id,
        "v": version,
        "lo": bounds["lo"],
        "hi": bounds["hi"],
    }
    end = selection.offset + selection.count
    if not redact:
        store.command(_INSERT + _ITEMS, {**params, "first": selection.offset, "stop": end})
        return
    for first in range(selection.offset, end, REDACT_BATCH):
        rows = store.rows(_ITEMS, {**params, "first": first, "stop": min(first + REDACT_BATCH, end)})
        masked = [redact_item(row) for row in rows]
        store.client().insert(
            "dataset_items", [[row[c] for c in ITEM_COLUMNS] for row in masked], column_names=ITEM_COLUMNS
        )


def copy_draft(store: Store, project_id: str, dataset_id: str, version: int, offset: int, skip_run: str | None) -> int:
    """Copy the draft's items (redacted when appended) into `version` after `offset`, with today's annotations."""
    params: dict[str, Any] = {"p": project_id, "d": dataset_id, "v": version, "o": offset, "run": skip_run or ""}
    store.command(
        _INSERT + "SELECT project_id, dataset_id, {v:UInt32}, {o:UInt64} + row_number() OVER (ORDER BY d.position) "
        "- 1, d.event_id, event_ts, input_hash, input_text, input_messages, output, contexts, "
        f"{annotated('ground_truth')}, feedback, evaluations, model, route, prompt_version, "
        f"environment, {annotated('label')}, {annotated('note')}, now64(6) "
        "FROM (SELECT * FROM dataset_items FINAL WHERE project_id = {p:String} AND dataset_id = {d:String} "
        "AND version = 0 AND event_id NOT IN (SELECT event_id FROM dataset_selections WHERE project_id = {p:String} "
        "AND run_id = {run:String})) AS d "
        f"{ANNOTATIONS} SETTINGS join_use_nulls = 1",
        params,
    )
    return int(
        store.command(
            "SELECT count() FROM dataset_items FINAL WHERE project_id = {p:String} AND dataset_id = {d:String} "
            "AND version = {v:UInt32} AND position >= {o:UInt64}",
            params,
        )
    )
