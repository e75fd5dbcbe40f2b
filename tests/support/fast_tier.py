"""The fast tier (`make test-fast`): tests that start nothing and load no model run in seconds.

Loaded with `-p tests.support.fast_tier`. It deselects every test marked with a tier that starts something
(see `TIERS`), and refuses the heavy libraries at import, so a test that needs the store or a model
fails at once with the mark it should carry instead of quietly slowing the tier down.
"""

from __future__ import annotations

import importlib.abc
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType

import pytest

TIERS = ("process", "broker", "browser", "store", "models")
HEAVY = {
    "chdb": "store",
    "onnxruntime": "models",
    "tokenizers": "models",
    "wordllama": "models",
}


class _RefuseHeavyImports(importlib.abc.MetaPathFinder):
    """Turns an import of the embedded store or a model runtime into an error naming the missing mark."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        mark = HEAVY.get(fullname.partition(".")[0])
        if mark is not None:
            raise ImportError(f"{fullname} is not loaded in the fast tier: mark the test `{mark}`")
        return None


sys.meta_path.insert(0, _RefuseHeavyImports())


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keeps only the tests that carry none of the tiers' marks (the conftest marks them first)."""
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        (dropped if any(item.get_closest_marker(tier) for tier in TIERS) else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = kept
