"""infra/Dockerfile: hadolint-clean, multi-stage, non-root, with a healthcheck; its helper scripts work as run."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from telltale_server.streams.evaluators import registry
from tests.support.server import ROOT, free_port

DOCKERFILE = ROOT / "infra" / "Dockerfile"
HADOLINT = os.path.join(os.path.dirname(sys.executable), "hadolint")


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per instruction, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def final_stage() -> list[tuple[str, str]]:
    steps = instructions()
    last_from = max(index for index, (name, _) in enumerate(steps) if name == "FROM")
    return steps[last_from:]


def test_hadolint_finds_nothing() -> None:
    result = subprocess.run([HADOLINT, str(DOCKERFILE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_is_a_real_check() -> None:
    bad = "FROM python\nRUN apt-get install curl\nUSER root\n"
    result = subprocess.run([HADOLINT, "-"], input=bad, capture_output=True, text=True)
    assert result.returncode != 0 and "DL3006" in result.stdout


def test_multi_stage_with_a_slim_base_and_no_build_tools_at_run_time() -> None:
    froms = [args for name, args in instructions() if name == "FROM"]
    assert len(froms) >= 2 and froms[0].endswith("AS build")
    assert re.search(r"ARG PYTHON_IMAGE=python:3\.11-slim", DOCKERFILE.read_text())
    runtime = final_stage()
    assert not any("apt-get" in args or "build-essential" in args for _, args in runtime)
    assert ("COPY", "--from=build /opt/telltale /opt/telltale") in runtime


def test_runs_as_a_non_root_user_with_a_healthcheck_and_the_telltale_entrypoint() -> None:
    runtime = dict(final_stage())
    assert runtime["USER"].split(":")[0] not in ("root", "0")
    assert "/app/infra/docker/healthcheck.py" in runtime["HEALTHCHECK"]
    assert runtime["ENTRYPOINT"] == '["telltale"]'
    assert runtime["CMD"] == '["api"]'
    assert any("check_models.py" in args for name, args in final_stage() if name == "RUN")
    assert "HF_HUB_OFFLINE=1" in runtime["ENV"]


def test_copied_paths_exist_and_pass_the_dockerignore() -> None:
    ignore = (ROOT / "infra" / "Dockerfile.dockerignore").read_text().splitlines()
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    for name, args in instructions():
        if name == "COPY" and not args.startswith("--from"):
            for source in args.split()[:-1]:
                assert (ROOT / source).exists(), source
                assert source.rstrip("/") in allowed, f"{source} is excluded by Dockerfile.dockerignore"


@pytest.fixture
def health_server() -> Iterator[int]:
    """A real HTTP server answering /health like the API does."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/health" else 404)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def healthcheck(api_port: int, metrics_port: int) -> int:
    env = {**os.environ, "TELLTALE_PORT": str(api_port), "TELLTALE_METRICS_PORT": str(metrics_port)}
    script = ROOT / "infra" / "docker" / "healthcheck.py"
    return subprocess.run([sys.executable, str(script)], env=env, timeout=30).returncode


def test_healthcheck_passes_when_the_role_answers_and_fails_when_nothing_does(health_server: int) -> None:
    assert healthcheck(health_server, free_port()) == 0
    assert healthcheck(free_port(), free_port()) == 1


def test_model_check_loads_every_evaluator_offline() -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TELLTALE_DATA_DIR": "/nonexistent"}
    script = ROOT / "infra" / "docker" / "check_models.py"
    result = subprocess.run([sys.executable, str(script)], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert f"{len(registry.DEFAULT)} evaluators loaded: {', '.join(registry.DEFAULT)}" in result.stdout
