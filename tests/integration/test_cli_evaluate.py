"""`telltale evaluate`: JSONL in, one line per evaluation out; a bad line gets an `error` line and the run goes on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from telltale_server.schemas import limits
from tests.support.server import ROOT


def evaluate(source: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """The real command, as a user runs it."""
    command = [sys.executable, "-m", "telltale_server.services.cli.main", "evaluate", "--evaluator", "safety.pii"]
    return subprocess.run(
        [*command, "--input", str(source), "--output", str(out)], cwd=ROOT, capture_output=True, text=True
    )


def test_round_trip(tmp_path: Path) -> None:
    source, out = tmp_path / "items.jsonl", tmp_path / "out.jsonl"
    source.write_text(
        json.dumps({"id": "a", "input": "My SSN is 536-22-8726", "output": "Noted."})
        + "\n"
        + json.dumps({"id": 7, "output": "ok", "contexts": ["x", {"text": "y"}]})
        + "\n"
    )
    result = evaluate(source, out)
    assert (result.returncode, result.stderr) == (0, "")
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert {(line["id"], line["metric"], line["label"]) for line in lines} == {
        ("a", "output", "clean"),
        ("a", "input", "pii"),
        (7, "output", "clean"),
    }
    assert set(lines[0]) == {"id", "evaluator", "metric", "value", "label", "details"}


def test_bad_lines_are_reported_in_the_output_and_the_run_goes_on(tmp_path: Path) -> None:
    good = [json.dumps({"id": f"ok-{i}", "output": f"Answer {i}.", "input": "q"}) for i in range(7)]
    too_long = json.dumps({"id": "long", "output": "fine", "contexts": ["x" * (limits.MAX_CONTEXT_CHARS + 1)]})
    wrong_types = json.dumps({"id": "typed", "output": "fine", "contexts": 5})
    source, out = tmp_path / "items.jsonl", tmp_path / "out.jsonl"
    source.write_text("\n".join([good[0], "{broken", *good[1:4], too_long, "", *good[4:], wrong_types]) + "\n")
    result = evaluate(source, out)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == "3 of 10 lines failed"
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    errors = {line["line"]: line for line in lines if "error" in line}
    assert sorted(errors) == [2, 6, 11]
    assert errors[2]["id"] is None and errors[6]["id"] == "long" and errors[11]["id"] == "typed"
    assert "contexts.0" in errors[6]["error"] and str(limits.MAX_CONTEXT_CHARS) in errors[6]["error"]
    assert "contexts" in errors[11]["error"]
    scored = {line["id"] for line in lines if "error" not in line}
    assert scored == {f"ok-{i}" for i in range(7)}
