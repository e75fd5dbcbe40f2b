"""Versions: sampling with a seed, dedup, immutability, stable hashes, lineage, diff, drafts and annotations."""

from __future__ import annotations

from typing import Any

import pytest

from telltale_server.schemas.store import Store
from telltale_server.services.datasets import draft
from telltale_server.services.datasets.catalog import DatasetCatalog
from telltale_server.services.datasets.continuous import SCHEDULER, CurationJob
from telltale_server.services.datasets.items import pages, to_item
from telltale_server.services.datasets.spec import Dataset, DatasetSpec
from telltale_server.services.datasets.versions import content_hash, diff, freeze, versions
from telltale_server.services.events.detail import event_detail
from telltale_server.services.runtime import Runtime
from tests.support.datasets import T0, Traffic, at

WINDOW = {"start": at(0), "end": at(600)}
MODELS = ("gpt-4o", "gpt-4o-mini", "claude")


def make(store: Store, project: str, **spec: Any) -> Dataset:
    body = {"name": "d", "query": WINDOW, **spec}
    return DatasetCatalog(store).save(project, DatasetSpec.model_validate(body))


def event_ids(store: Store, project: str, dataset: Dataset, version: int) -> list[str]:
    return [row["event_id"] for page in pages(store, project, dataset.id, version) for row in page]


@pytest.fixture
def sixty(runtime: Runtime, project: str) -> Traffic:
    """60 calls over 3 models (30 / 20 / 10), distinct inputs."""
    t = Traffic(runtime.store, project)
    for i in range(60):
        t.call(ts=at(i), model=MODELS[0 if i < 30 else 1 if i < 50 else 2], input=f"question number {i}")
    return t


def test_random_sample_is_reproducible_with_a_seed(runtime: Runtime, project: str, sixty: Traffic) -> None:
    store = runtime.store
    sampling = {"method": "random", "limit": 10, "seed": 7}
    first = make(store, project, sampling=sampling)
    second = make(store, project, sampling=sampling)
    other = make(store, project, sampling={**sampling, "seed": 8})
    a, b, c = (freeze(store, d, "t") for d in (first, second, other))
    assert a.item_count == b.item_count == c.item_count == 10
    assert event_ids(store, project, first, 1) == event_ids(store, project, second, 1)
    assert a.content_hash == b.content_hash
    assert set(event_ids(store, project, other, 1)) != set(event_ids(store, project, first, 1))


def test_newest_takes_the_latest_events(runtime: Runtime, project: str, sixty: Traffic) -> None:
    dataset = make(runtime.store, project, sampling={"limit": 5})
    freeze(runtime.store, dataset, "t")
    items = [to_item(row) for page in pages(runtime.store, project, dataset.id, 1) for row in page]
    assert [item.input for item in items] == [f"question number {i}" for i in range(55, 60)]


def test_stratified_takes_equal_shares(runtime: Runtime, project: str, sixty: Traffic) -> None:
    dataset = make(runtime.store, project, sampling={"method": "stratified", "stratify_by": "model", "limit": 15})
    freeze(runtime.store, dataset, "t")
    items = [to_item(row) for page in pages(runtime.store, project, dataset.id, 1) for row in page]
    assert sorted(item.model for item in items) == sorted(MODELS * 5)


def test_dedup_keeps_the_first_of_near_identical_inputs(runtime: Runtime, project: str) -> None:
    t = Traffic(runtime.store, project)
    first = t.call(ts=at(1), input="How do I reset my password?")
    t.call(ts=at(2), input="  how do i RESET my password  ")
    t.call(ts=at(3), input="How do I reset my password!!")
    other = t.call(ts=at(4), input="How do I reset my username?")
    kept = make(runtime.store, project)
    everything = make(runtime.store, project, dedup=False)
    assert freeze(runtime.store, kept, "t").item_count == 2
    assert event_ids(runtime.store, project, kept, 1) == [str(first.event_id), str(other.event_id)]
    assert freeze(runtime.store, everything, "t").item_count == 4


def test_dedup_prefers_an_input_with_a_correction(runtime: Runtime, project: str) -> None:
    t = Traffic(runtime.store, project)
    t.call(ts=at(1), input="Is SSO in the Pro plan?")
    corrected = t.call(ts=at(2), input="is sso in the pro plan")
    t.call(ts=at(3), input="Is SSO in the Pro plan?!")
    t.feedback(corrected, kind="correction", correction="Yes, from Pro up.")
    dataset = make(runtime.store, project)
    freeze(runtime.store, dataset, "t")
    [item] = [to_item(row) for page in pages(runtime.store, project, dataset.id, 1) for row in page]
    assert (item.event_id, item.ground_truth) == (str(corrected.event_id), "Yes, from Pro up.")


def test_a_version_is_a_copy_that_never_changes(runtime: Runtime, project: str) -> None:
    store = runtime.store
    t = Traffic(store, project)
    bad = t.call(ts=at(1), input="first")
    t.feedback(bad, value="down")
    dataset = make(store, project, query={**WINDOW, "feedback": {"negative": True}})
    v1 = freeze(store, dataset, "t")
    later = t.call(ts=at(2), input="second")
    t.feedback(later, value="down")
    t.feedback(bad, kind="correction", correction="late correction")
    assert content_hash(store, project, dataset.id, 1) == (1, v1.content_hash)
    assert versions(store, project, dataset.id)[0].content_hash == v1.content_hash
    v2 = freeze(store, dataset, "t")
    assert v2.item_count == 2
    assert v2.content_hash != v1.content_hash
    changes = diff(store, project, dataset.id, 2, 1)
    assert (changes.added, changes.removed, changes.changed) == ([str(later.event_id)], [], [str(bad.event_id)])
    assert diff(store, project, dataset.id, 1, 2).removed == [str(later.event_id)]


def test_same_spec_same_data_same_hash(runtime: Runtime, project: str, sixty: Traffic) -> None:
    dataset = make(runtime.store, project)
    v1, v2 = freeze(runtime.store, dataset, "t"), freeze(runtime.store, dataset, "t")
    assert (v1.version, v2.version) == (1, 2)
    assert v1.content_hash == v2.content_hash and len(v1.content_hash) == 64
    assert diff(runtime.store, project, dataset.id, 2, 1).model_dump(include={"added", "removed", "changed"}) == {
        "added": [],
        "removed": [],
        "changed": [],
    }
    assert v1.spec["query"]["start"] == "2026-03-01T10:00:00Z"
    assert "curation" in v1.code_version


def test_lineage_resolves_to_the_original_events(runtime: Runtime, project: str) -> None:
    store = runtime.store
    t = Traffic(store, project)
    event = t.call(
        ts=at(1),
        input=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Refunds?"}],
        contexts=["Refunds take 5 to 10 days.", {"id": "p2", "text": "Contact billing.", "source": "kb"}],
        route="support/answer",
    )
    t.feedback(event, kind="correction", correction="5 to 10 business days.")
    t.evaluation(event, "groundedness", "score", 0.25, "ungrounded", unsupported=["x"])
    dataset = make(store, project)
    freeze(store, dataset, "t")
    [item] = [to_item(row) for page in pages(store, project, dataset.id, 1) for row in page]
    original = event_detail(store, project, event.event_id)
    assert original is not None
    assert item.event_id == str(event.event_id)
    assert item.input == [m.model_dump(exclude_none=True) for m in original.event.input]  # type: ignore[union-attr]
    assert item.output == original.event.output
    assert item.contexts == [c.model_dump(exclude_none=True) for c in original.event.contexts]
    assert item.ground_truth == "5 to 10 business days."
    assert [f["kind"] for f in item.feedback] == ["correction"]
    assert item.evaluations[0] | {"details": None} == {
        "evaluator": "groundedness",
        "evaluator_version": "1",
        "metric": "score",
        "value": 0.25,
        "label": "ungrounded",
        "details": None,
    }
    assert item.evaluations[0]["details"] == {"unsupported": ["x"]}
    assert item.route == "support/answer"


def test_items_added_by_id_and_annotations_go_into_the_next_version(runtime: Runtime, project: str) -> None:
    store = runtime.store
    t = Traffic(store, project)
    picked = t.call(ts=at(1), input="picked by hand", model="llama")
    matched = t.call(ts=at(2), input="matched", model="gpt-4o")
    dataset = make(store, project, query={**WINDOW, "model": ["gpt-4o"]})
    foreign = Traffic(store, f"{project}-x").call(ts=at(3))
    assert draft.add_events(store, dataset, [str(picked.event_id), str(foreign.event_id)]) == 1
    assert draft.add_events(store, dataset, [str(picked.event_id)]) == 0
    draft.annotate(store, dataset, str(matched.event_id), draft.Annotation(label="wrong", corrected_answer="Yes."), "r")
    v1 = freeze(store, dataset, "t")
    items = [to_item(row) for page in pages(store, project, dataset.id, 1) for row in page]
    assert v1.item_count == 2
    assert [i.event_id for i in items] == [str(matched.event_id), str(picked.event_id)]
    assert (items[0].label, items[0].ground_truth) == ("wrong", "Yes.")
    draft.annotate(store, dataset, str(matched.event_id), draft.Annotation(label="fine"), "r")
    assert to_item(next(pages(store, project, dataset.id, 1))[0]).label == "wrong"
    freeze(store, dataset, "t")
    assert to_item(next(pages(store, project, dataset.id, 2))[0]).label == "fine"


def test_continuous_curation_appends_and_freezes_on_schedule(runtime: Runtime, project: str) -> None:
    store = runtime.store
    t = Traffic(store, project)
    first = t.call(ts=at(1), input="one")
    t.feedback(first, value="down")
    dataset = make(store, project, query={"feedback": {"negative": True}}, continuous=True, schedule="1h")
    job = CurationJob(store)
    job.tick(T0)
    [v1] = versions(store, project, dataset.id)
    assert (v1.item_count, v1.created_by) == (1, SCHEDULER)
    second = t.call(ts=at(2), input="two")
    t.feedback(second, value="down")
    t.call(ts=at(3), input="three")
    assert draft.append(store, dataset) == 1
    assert draft.append(store, dataset) == 0
    job.tick(T0.replace(minute=30))
    assert len(versions(store, project, dataset.id)) == 1
    job.tick(T0.replace(hour=11, minute=1))
    v2 = versions(store, project, dataset.id)[-1]
    assert v2.item_count == 2
    assert diff(store, project, dataset.id, 2, 1).added == [str(second.event_id)]
    job.tick(T0.replace(hour=12, minute=2))
    assert len(versions(store, project, dataset.id)) == 2


def test_one_project_never_sees_another_projects_dataset(runtime: Runtime, project: str, sixty: Traffic) -> None:
    dataset = make(runtime.store, project)
    freeze(runtime.store, dataset, "t")
    catalog = DatasetCatalog(runtime.store)
    assert catalog.get(f"{project}-other", dataset.id) is None
    assert versions(runtime.store, f"{project}-other", dataset.id) == []
    assert list(pages(runtime.store, f"{project}-other", dataset.id, 1)) == []
