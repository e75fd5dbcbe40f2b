"""Spec filters select exactly the right events from a hand-built store (real ClickHouse engine, in-process)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from telltale_server.services.datasets.catalog import DatasetCatalog
from telltale_server.services.datasets.items import pages
from telltale_server.services.datasets.spec import DatasetSpec
from telltale_server.services.datasets.versions import freeze
from telltale_server.services.runtime import Runtime
from tests.support.datasets import T0, Traffic, at


@pytest.fixture
def traffic(runtime: Runtime, project: str) -> dict[str, Any]:
    """Eleven calls, each with one distinguishing trait, and their feedback and evaluations."""
    t = Traffic(runtime.store, project)
    e = {
        "plain": t.call(ts=at(1), input="plain question one"),
        "gpt4o": t.call(ts=at(2), model="gpt-4o", input="which plan has SSO?"),
        "route": t.call(ts=at(3), route="billing/answer", prompt_version="v7", environment="staging", input="bill?"),
        "tagged": t.call(ts=at(4), tags=["vip", "eu"], input="tagged question"),
        "error": t.call(ts=at(5), status="error", error="429", output=None, input="errored question"),
        "thumbs": t.call(ts=at(6), input="thumbs down question", trace_id="trace-thumbs"),
        "rating": t.call(ts=at(7), input="rated two"),
        "corrected": t.call(ts=at(8), input="corrected question"),
        "ungrounded": t.call(ts=at(9), input="ungrounded question"),
        "pii": t.call(ts=at(10), input="pii question"),
        "late": t.call(ts=at(120), input="late question"),
    }
    t.feedback(e["plain"], value="up")
    t.feedback(None, trace_id="trace-thumbs", value="down")
    t.feedback(e["rating"], kind="rating", value=2)
    t.feedback(e["plain"], kind="rating", value=4)
    t.feedback(e["corrected"], kind="correction", correction="The right answer.", comment="wrong plan")
    t.feedback(e["gpt4o"], kind="flag", value="toxic")
    t.evaluation(e["ungrounded"], "groundedness", "score", 0.2, "ungrounded")
    t.evaluation(e["plain"], "groundedness", "score", 0.9, "grounded")
    t.evaluation(e["pii"], "safety.pii", "output", 1.0, "pii")
    t.evaluation(e["plain"], "safety.pii", "output", 0.0, "clean")
    t.evaluation(e["error"], "usage", "error", 1.0, "error")
    return {"traffic": t, "events": e, "project": project, "runtime": runtime}


def chosen(traffic: dict[str, Any], query: dict[str, Any], **spec: Any) -> set[str]:
    """Names of the events a one-off dataset with this query froze into its first version."""
    rt: Runtime = traffic["runtime"]
    dataset = DatasetCatalog(rt.store).save(
        traffic["project"], DatasetSpec.model_validate({"name": "t", "query": query, **spec})
    )
    version = freeze(rt.store, dataset, "test")
    ids = {str(e.event_id): name for name, e in traffic["events"].items()}
    got = [row["event_id"] for page in pages(rt.store, traffic["project"], dataset.id, version.version) for row in page]
    assert len(got) == version.item_count
    return {ids[i] for i in got}


EVERYTHING = {"plain", "gpt4o", "route", "tagged", "error", "thumbs", "rating", "corrected", "ungrounded", "pii"}
WINDOW = {"start": at(0), "end": at(60)}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (WINDOW, EVERYTHING),
        ({}, EVERYTHING | {"late"}),
        ({"start": at(100)}, {"late"}),
        ({**WINDOW, "model": ["gpt-4o"]}, {"gpt4o"}),
        ({**WINDOW, "route": ["billing/answer"]}, {"route"}),
        ({**WINDOW, "prompt_version": ["v7"]}, {"route"}),
        ({**WINDOW, "environment": ["staging"]}, {"route"}),
        ({**WINDOW, "tags": ["vip", "eu"]}, {"tagged"}),
        ({**WINDOW, "tags": ["vip", "us"]}, set()),
        ({**WINDOW, "status": ["error"]}, {"error"}),
        ({**WINDOW, "feedback": {"negative": True}}, {"thumbs", "rating", "corrected", "gpt4o"}),
        ({**WINDOW, "feedback": {"thumbs_down": True}}, {"thumbs"}),
        ({**WINDOW, "feedback": {"max_rating": 2}}, {"rating"}),
        ({**WINDOW, "feedback": {"max_rating": 4}}, {"rating", "plain"}),
        ({**WINDOW, "feedback": {"has_correction": True}}, {"corrected"}),
        ({**WINDOW, "feedback": {"has_comment": True}}, {"corrected"}),
        ({**WINDOW, "feedback": {"flagged": True}}, {"gpt4o"}),
        (
            {**WINDOW, "evaluators": [{"evaluator": "groundedness", "metric": "score", "op": "<", "value": 0.5}]},
            {"ungrounded"},
        ),
        ({**WINDOW, "evaluators": [{"evaluator": "groundedness", "labels": ["ungrounded"]}]}, {"ungrounded"}),
        ({**WINDOW, "evaluators": [{"evaluator": "safety.*", "labels": ["pii", "toxic", "injection"]}]}, {"pii"}),
        ({**WINDOW, "evaluators": [{"evaluator": "*", "labels": ["error"]}]}, {"error"}),
        (
            {
                **WINDOW,
                "feedback": {"negative": True},
                "evaluators": [{"evaluator": "groundedness", "labels": ["ungrounded"]}],
            },
            set(),
        ),
        (
            {
                **WINDOW,
                "match": "any",
                "feedback": {"negative": True},
                "evaluators": [{"evaluator": "groundedness", "labels": ["ungrounded"]}],
            },
            {"thumbs", "rating", "corrected", "gpt4o", "ungrounded"},
        ),
        ({"drift": {"window_start": at(0), "window_end": at(60), "segment": "model=gpt-4o"}}, {"gpt4o"}),
        ({"drift": {"window_start": at(100), "window_end": at(200), "segment": "all"}}, {"late"}),
        (
            {
                **WINDOW,
                "drift": {
                    "window_start": at(0),
                    "window_end": at(60),
                    "segment": "route=billing/answer,environment=staging",
                },
            },
            {"route"},
        ),
    ],
)
def test_query_selects_exactly(traffic: dict[str, Any], query: dict[str, Any], expected: set[str]) -> None:
    assert chosen(traffic, query) == expected


def test_relative_window_is_resolved_and_recorded(traffic: dict[str, Any]) -> None:
    rt: Runtime = traffic["runtime"]
    spec = DatasetSpec.model_validate({"name": "last", "query": {"last": "30m"}})
    dataset = DatasetCatalog(rt.store).save(traffic["project"], spec)
    version = freeze(rt.store, dataset, "test", now=T0 + timedelta(minutes=135))
    assert version.item_count == 1
    assert version.spec["query"]["start"].startswith("2026-03-01T11:45")
    assert version.spec["query"]["last"] is None


@pytest.mark.parametrize(
    "bad",
    [
        {"query": {"modle": ["x"]}},
        {"query": {"last": "1h", "start": at(0)}},
        {"query": {"start": at(10), "end": at(5)}},
        {"query": {"evaluators": [{"evaluator": "groundedness", "op": "<"}]}},
        {"query": {"evaluators": [{"evaluator": "a*b"}]}},
        {"query": {"evaluators": [{"evaluator": "x; DROP TABLE"}]}},
        {"query": {"drift": {"window_start": at(0), "window_end": at(1), "segment": "user=bob"}}},
        {"query": {"drift": {"window_start": at(1), "window_end": at(0)}}},
        {"sampling": {"method": "random"}},
        {"sampling": {"method": "stratified", "limit": 3}},
        {"schedule": "1h"},
        {"continuous": True, "schedule": "5s"},
    ],
)
def test_malformed_specs_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        DatasetSpec.model_validate({"name": "bad", **bad})
