"""Which retrievals feed which call, and passages fitted to the contract's limits."""

from __future__ import annotations

from telltale_server.schemas import limits
from telltale_server.services.ingest.otel.traces import Retrieval, contexts, feeding


def retrieval(span_id: str, start: int, end: int, *texts: str) -> Retrieval:
    return Retrieval("t", span_id, start, end, [{"id": f"{span_id}-{i}", "text": t} for i, t in enumerate(texts)])


def test_the_last_retrieval_before_the_call_and_those_beside_it_feed_it() -> None:
    first, dense, sparse, later = (
        retrieval("a", 0, 10, "old"),
        retrieval("b", 20, 30, "dense"),
        retrieval("c", 22, 28, "sparse"),
        retrieval("d", 50, 60, "after"),
    )
    assert feeding(40, [later, sparse, first, dense]) == [dense, sparse]
    assert feeding(15, [later, dense, first]) == [first]
    assert feeding(5, [first, dense]) == []


def test_passages_fit_the_limits_and_say_how_many_were_cut() -> None:
    many = Retrieval("t", "r", 0, 1, [{"id": str(i), "text": f"passage {i}"} for i in range(limits.MAX_CONTEXTS + 3)])
    found, cut = contexts([many])
    assert len(found) == limits.MAX_CONTEXTS and cut == 3
    odd = Retrieval(
        "t",
        "r",
        0,
        1,
        [
            {"text": "x" * (limits.MAX_CONTEXT_CHARS + 1), "score": float("nan"), "id": "i" * 300},
            {"text": "   ", "id": "empty"},
            {"text": None},
            {"text": "kept", "score": 0.5, "source": "kb/a.md", "id": 7},
        ],
    )
    found, cut = contexts([odd])
    assert cut == 3
    assert len(found[0]["text"]) == limits.MAX_CONTEXT_CHARS and "score" not in found[0]
    assert len(found[0]["id"]) == limits.MAX_LABEL_CHARS
    assert found[1] == {"text": "kept", "score": 0.5, "source": "kb/a.md", "id": "7"}
