"""The README's OpenTelemetry apps, run as written (Python and Node) against a real server, with OpenAI replaced
by a local OpenAI-compatible server through OPENAI_BASE_URL: each stores the event the README says it does."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.chat_server import ChatServer
from tests.support.otel import ANSWER, chat_server
from tests.support.server import ROOT, TelltaleServer
from tests.support.waiting import wait_for

EXAMPLES = ("openinference", "openllmetry", "gen_ai", "vercel")
VERCEL_APP = ROOT / "tests" / "otel_vercel"


def example(name: str) -> str:
    """The code block that follows `<!-- otel example: NAME -->` in the README."""
    readme = (ROOT / "README.md").read_text()
    match = re.search(rf"<!-- otel example: {name} -->\n```\w+\n(.*?)```", readme, re.S)
    assert match, f"README has no OpenTelemetry example {name}"
    return match.group(1)


@pytest.fixture(scope="module")
def telltale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TelltaleServer]:
    server = TelltaleServer(tmp_path_factory.mktemp("readme-otel") / "data")
    for name in EXAMPLES:
        server.create_key(name, name, "ingest,read")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def llm() -> Iterator[ChatServer]:
    server = chat_server()
    yield server
    server.stop()


def run(name: str, telltale: TelltaleServer, llm: ChatServer, tmp_path: Path) -> list[dict]:
    """Run the example as the README says (its exporter configured by the standard variables); its stored events."""
    env = {
        **os.environ,
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": f"{telltale.url}/v1/traces",
        "OTEL_EXPORTER_OTLP_TRACES_HEADERS": f"Authorization=Bearer%20{telltale.keys[name]}",
        "OTEL_SERVICE_NAME": "support-bot",
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": llm.url,
    }
    code = example(name)
    file_name = code.splitlines()[0].lstrip("#/ ")
    if name == "vercel":
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=VERCEL_APP, check=True)
        app = VERCEL_APP / f"readme-{file_name}"
        command = ["node", str(app)]
    else:
        app = tmp_path / file_name
        command = [sys.executable, str(app)]
    app.write_text(code)
    try:
        done = subprocess.run(command, env=env, timeout=180, capture_output=True, text=True)
    finally:
        if name == "vercel":
            app.unlink()
    assert done.returncode == 0, f"{file_name} failed: {done.stderr[-2000:]}"
    return events(telltale, name)


def events(telltale: TelltaleServer, name: str, evaluator: str | None = None) -> list[dict]:
    """The project's events once stored (and, if named, scored by that evaluator); waits on progress."""
    headers = {"Authorization": f"Bearer {telltale.keys[name]}"}

    def scored() -> list[dict] | None:
        page = httpx.get(f"{telltale.url}/v1/inference", headers=headers, params={"limit": 10}).json()
        details = [
            httpx.get(f"{telltale.url}/v1/inference/{item['event_id']}", headers=headers).json()
            for item in page["items"]
        ]
        done = evaluator is None or all(any(e["evaluator"] == evaluator for e in d["evaluations"]) for d in details)
        return details if details and done else None

    return wait_for(scored, f"events of the {name} example", progress=telltale.progress)


def test_openinference_example(telltale: TelltaleServer, llm: ChatServer, tmp_path: Path) -> None:
    run("openinference", telltale, llm, tmp_path)
    [detail] = events(telltale, "openinference", evaluator="groundedness")
    event = detail["event"]
    assert (event["model"], event["provider"], event["app"], event["output"]) == (
        "gpt-4o-mini",
        "openai",
        "support-bot",
        ANSWER,
    )
    assert [m["role"] for m in event["input"]] == ["system", "user"]
    assert event["contexts"][0]["source"] == "help/refunds.md"
    assert event["attributes"]["telltale.retrieval"] == "joined"


def test_openllmetry_example(telltale: TelltaleServer, llm: ChatServer, tmp_path: Path) -> None:
    [detail] = run("openllmetry", telltale, llm, tmp_path)
    event = detail["event"]
    assert event["input"] == [{"role": "user", "content": "How long do refunds take?", "name": None}]
    assert (event["output"], event["usage"]["input_tokens"], event["contexts"]) == (ANSWER, 52, [])


def test_gen_ai_by_hand_example(telltale: TelltaleServer, llm: ChatServer, tmp_path: Path) -> None:
    [detail] = run("gen_ai", telltale, llm, tmp_path)
    event = detail["event"]
    assert (event["route"], event["output"]) == ("support/answer", "5 to 10 business days.")
    assert event["contexts"] == [
        {"id": "refunds#2", "text": "Refunds take 5 to 10 business days.", "source": "help-center", "score": 0.82}
    ]


def test_vercel_ai_sdk_example(telltale: TelltaleServer, llm: ChatServer, tmp_path: Path) -> None:
    [detail] = run("vercel", telltale, llm, tmp_path)
    event = detail["event"]
    assert (event["route"], event["user_id"], event["provider"], event["output"]) == (
        "support/answer",
        "u-7",
        "openai.chat",
        ANSWER,
    )
    assert event["input"] == [{"role": "user", "content": "How long do refunds take?", "name": None}]
    assert event["attributes"]["otel.convention"] == "vercel_ai"
