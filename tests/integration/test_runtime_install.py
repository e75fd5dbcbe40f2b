"""`make up` installs what running needs and nothing of the test tools; `make test` installs those too.

The runtime is proven to need none of them by running a real server with every test-only distribution made
unimportable (a `sitecustomize` on PYTHONPATH, inherited by the server's child processes).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import httpx
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.support.events import inference
from tests.support.server import INGEST_KEY, ROOT, TelltaleServer

SERVER = "telltale-server"
BLOCKER = '''"""Test tools are not installed by `make up`: importing one fails as it would there."""
import sys

BLOCKED = frozenset({blocked!r})


class _TestTools:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}} (a test tool: not installed by `make up`)")
        return None


sys.meta_path.insert(0, _TestTools())
'''


def closure(requirements: list[Requirement], extra: str = "") -> set[str]:
    """The distributions these requirements install, transitively (markers evaluated for this interpreter)."""
    seen: set[str] = set()
    todo = [r for r in requirements if r.marker is None or r.marker.evaluate({"extra": extra})]
    while todo:
        name = canonicalize_name(todo.pop().name)
        if name in seen:
            continue
        seen.add(name)
        try:
            found = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        todo += [r for r in map(Requirement, found) if r.marker is None or r.marker.evaluate({"extra": ""})]
    return seen


def tools_only_modules() -> set[str]:
    """Top-level modules that only the `dev` extra brings (a module shared with the runtime is not one)."""
    declared = [Requirement(line) for line in metadata.requires(SERVER) or []]
    runtime = closure(declared)
    dev = closure([r for r in declared if r.marker is not None and r.marker.evaluate({"extra": "dev"})], "dev")
    only = dev - runtime
    return {
        module
        for module, dists in metadata.packages_distributions().items()
        if all(canonicalize_name(d) in only for d in dists)
    }


def test_make_up_installs_no_test_tools_and_make_test_does(tmp_path: Path) -> None:
    """What `make` would run on a fresh clone (no virtualenv yet)."""
    for name in ("Makefile", "pyproject.toml", "setup.py", "constraints.txt", "sdk/python/pyproject.toml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)

    def plan(target: str) -> list[str]:
        done = subprocess.run(["make", "-n", target], cwd=tmp_path, capture_output=True, text=True, check=True)
        return [line for line in done.stdout.splitlines() if "pip install" in line]

    [runtime] = plan("up")
    assert "-c constraints.txt" in runtime and re.search(r"-e \. -e sdk/python$", runtime), runtime
    assert "[dev]" not in runtime
    assert [line for line in plan("test") if "-e '.[dev]'" in line]


def test_the_server_runs_without_the_test_tools(tmp_path: Path) -> None:
    blocked = tools_only_modules()
    assert {"pytest", "playwright", "openai", "confluent_kafka", "jsonschema"} <= blocked
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BLOCKER.format(blocked=sorted(blocked)))
    env = {"PYTHONPATH": str(site)}
    tried = subprocess.run([sys.executable, "-c", "import pytest"], env=env, capture_output=True, text=True)
    assert tried.returncode != 0 and "not installed by `make up`" in tried.stderr

    server = TelltaleServer(tmp_path / "data", args=("--demo", "--demo-events", "40"), env=env).start()
    try:
        response = httpx.post(
            f"{server.url}/v1/inference", json=[inference()], headers={"Authorization": f"Bearer {INGEST_KEY}"}
        )
        assert response.status_code == 200, response.text
        server.wait_processed(timeout_s=120)
        with server.client() as admin:
            assert admin.get("/v1/metrics/summary").json()["rows"][0]["count"] >= 1
            assert admin.get("/docs/assets/swagger-ui-bundle.js").status_code == 200
    finally:
        server.stop()
    assert "not installed by `make up`" not in server.log_path.read_text()
