"""Issue 17, part 9: schemathesis over every operation of a real `telltale up`, with a key of every scope.

The run is fixed by its seed and bounded per operation. It asserts what the server promises in /openapi.json:
no 5xx, and every answer as documented; and that the server is still healthy afterwards. A key of another
project is tried against this project's resources: every read and write by id must be refused as not found.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from tests.support.events import inference
from tests.support.fuzz import ENV, Resources, fuzz, seed_project
from tests.support.server import ADMIN_KEY, INGEST_KEY, TelltaleServer

SEED = 17
MAX_EXAMPLES = {"ingest": 3, "read": 5, "admin": 6}
"""Examples per operation and phase; a key that may do less is refused sooner, so it is given fewer."""


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TelltaleServer]:
    """A server with one of each resource in project `main`, and an admin key of project `other`."""
    server = TelltaleServer(tmp_path_factory.mktemp("fuzz") / "data", env=ENV)
    server.create_key("reader", "main", "read")
    server.create_key("intruder", "other", "admin")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def resources(up: TelltaleServer) -> Resources:
    """Seeded before any fuzzing, so the tenant pass finds them as made and every read has rows to answer."""
    return seed_project(up)


def by_id_operations(document: dict, names: set[str]) -> list[tuple[str, str]]:
    """(method, path template) of every operation that names one of these resources in its path."""
    found = []
    for path, operations in document["paths"].items():
        params = set(re.findall(r"{(\w+)}", path))
        if params and params <= names:
            found += [(method.upper(), path) for method in operations]
    return found


def test_another_projects_key_reaches_none_of_this_projects_resources(up: TelltaleServer, resources: Resources) -> None:
    document = httpx.get(f"{up.url}/openapi.json").json()
    operations = by_id_operations(document, set(resources.ids))
    with up.client(ADMIN_KEY) as owner:
        before = {path: owner.get(path.format(**resources.ids)).text for method, path in operations if method == "GET"}
    answers = {}
    with up.client(up.keys["intruder"]) as intruder:
        for method, path in operations:
            body = resources.bodies.get(path) if method in ("PUT", "POST") else None
            answers[method, path] = intruder.request(method, path.format(**resources.ids), json=body).status_code
        lists = [path for path, ops in document["paths"].items() if "{" not in path and "get" in ops]
        listed = {path: intruder.get(path).text for path in lists if path.startswith("/v1/")}
        resent = inference(event_id=resources.ids["event_id"])
        status = intruder.post("/v1/inference", content=orjson.dumps([resent])).json()["items"][0]["status"]
    print(json.dumps({"tenant_pairs": len(answers) + len(listed) + 1}))
    assert {op: code for op, code in answers.items() if code not in (403, 404)} == {}
    names = [value for name, value in resources.ids.items() if name != "ref"]  # a version number is no secret
    leaked = {path for path, text in listed.items() if any(value in text for value in names)}
    assert leaked == set() and status == "accepted"  # "duplicate" would tell the id exists elsewhere
    with up.client(ADMIN_KEY) as owner:
        assert {path: owner.get(path.format(**resources.ids)).text for path in before} == before
        monitors = owner.get("/v1/drift/monitors").json()  # the one resource with no read by id
        assert resources.ids["monitor_id"] in [monitor["monitor_id"] for monitor in monitors]


@pytest.mark.parametrize("scope", ["ingest", "read", "admin"])
def test_fuzzing_finds_no_5xx_and_no_answer_off_the_document(
    up: TelltaleServer, resources: Resources, tmp_path: Path, scope: str
) -> None:
    key = {"ingest": INGEST_KEY, "read": up.keys["reader"], "admin": ADMIN_KEY}[scope]
    report = fuzz(up, key, SEED, MAX_EXAMPLES[scope], tmp_path / f"{scope}.json")
    cases = report["test_cases"]
    print(json.dumps({"scope": scope, "requests": cases["generated"], "s": report["running_time"]}))
    assert report["operations"]["tested"] == report["operations"]["total"] == len(_operations(up))
    output = (tmp_path / f"{scope}.txt").read_text()[-20_000:]
    assert (report["failures"], report["errors"]) == ([], []), output  # an error is e.g. a request timing out
    assert cases["generated"] > report["operations"]["total"] * MAX_EXAMPLES[scope]
    ready = httpx.get(f"{up.url}/ready", timeout=30)
    assert ready.status_code == 200 and up.process is not None and up.process.poll() is None


def _operations(up: TelltaleServer) -> list[tuple[str, str]]:
    """Every (method, path) of the live document: the fuzzer must have tested each."""
    document = httpx.get(f"{up.url}/openapi.json").json()
    return [(method, path) for path, operations in document["paths"].items() for method in operations]
