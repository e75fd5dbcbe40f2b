"""JSON nesting is measured and encoded without recursion: no input depth can exhaust the stack."""

from __future__ import annotations

import json
import sys

import orjson
import pytest

from telltale_server.schemas.nesting import encode, too_deep


def nested(depth: int) -> object:
    value: object = {"leaf": [1, 2.5, None, True, "x"]}
    for index in range(depth):
        value = {"k": [value, index]} if index % 2 else [value]
    return value


def test_depth_is_measured_in_containers_and_names_the_path() -> None:
    assert too_deep({"a": [1, {"b": "x"}]}, 3) is None
    assert too_deep({"a": [1, {"b": "x"}]}, 2) == "a.1"
    assert too_deep("scalar", 0) is None
    assert too_deep([[]], 1) == "0"


@pytest.mark.parametrize("depth", [0, 10, 300, 5000])
def test_encode_matches_orjson_and_goes_deeper(depth: int) -> None:
    value = nested(depth)
    encoded = encode(value)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 4 * depth + 100))
    try:
        assert json.loads(encoded) == value
    finally:
        sys.setrecursionlimit(limit)
    if depth < 100:
        assert encoded == orjson.dumps(value)
    assert too_deep(value, 10_000) is None
