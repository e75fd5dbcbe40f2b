"""`telltale evaluate`: JSONL in, one line per evaluation out; unusable lines reported, not fatal."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.server import ROOT


def test_round_trip(tmp_path: Path) -> None:
    source = tmp_path / "items.jsonl"
    source.write_text(
        json.dumps({"id": "a", "input": "My SSN is 536-22-8726", "output": "Noted."})
        + "\n"
        + "{broken\n"
        + json.dumps({"id": 7, "output": "ok", "contexts": ["x", {"text": "y"}]})
        + "\n"
    )
    out = tmp_path / "out.jsonl"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "telltale_server.services.cli.main",
            "evaluate",
            "--evaluator",
            "safety.pii",
            "--input",
            str(source),
            "--output",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("line 2:")
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert {(line["id"], line["metric"], line["label"]) for line in lines} == {
        ("a", "output", "clean"),
        ("a", "input", "pii"),
        (7, "output", "clean"),
    }
    assert set(lines[0]) == {"id", "evaluator", "metric", "value", "label", "details"}
