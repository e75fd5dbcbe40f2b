"""`telltale evaluate --evaluator llm_judge`, configured only through TELLTALE_JUDGE_* variables, on a local server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.chat_server import ChatServer
from tests.support.server import ROOT

CLI = (sys.executable, "-m", "telltale_server.services.cli.main", "evaluate")


def test_cli_judges_through_env_configuration(tmp_path: Path) -> None:
    source = tmp_path / "items.jsonl"
    source.write_text(
        json.dumps({"id": "rag", "input": "Refund window?", "output": "30 days.", "contexts": ["Refunds: 30 days."]})
        + "\n"
        + json.dumps({"id": "chat", "input": "Hi", "output": "Hello! How can I help?"})
        + "\n"
    )
    out = tmp_path / "out.jsonl"
    server = ChatServer().start()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TELLTALE_")},
        "TELLTALE_JUDGE_URL": server.url,
        "TELLTALE_JUDGE_API_KEY": "sk-cli",
        "TELLTALE_JUDGE_MODEL": "gpt-4o-mini",
        "TELLTALE_JUDGE_SAMPLE_RATE": "1",
    }
    try:
        result = subprocess.run(
            [*CLI, "--evaluator", "llm_judge", "--input", str(source), "--output", str(out)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert {(line["id"], line["metric"], line["label"]) for line in lines} == {
        ("rag", "groundedness", "good"),
        ("rag", "relevance", "good"),
        ("rag", "coherence", "fair"),
        ("rag", "fluency", "poor"),
        ("chat", "relevance", "good"),
        ("chat", "coherence", "fair"),
        ("chat", "fluency", "poor"),
    }
    assert {line["details"]["model"] for line in lines} == {"gpt-4o-mini"}
    assert [h["authorization"] for h in server.headers] == ["Bearer sk-cli"] * 2


def test_cli_refuses_llm_judge_without_an_endpoint(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELLTALE_")}
    result = subprocess.run(
        [*CLI, "--evaluator", "llm_judge", "--input", "-"],
        cwd=ROOT,
        env=env,
        input="",
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "TELLTALE_JUDGE_URL" in result.stderr
