"""Runs `telltale up` as a real process on loopback, as a user would, and reads its store once it stopped."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.support.waiting import wait_for

INGEST_KEY = "tt_ingest_test_0123456789abcdefghij"
ADMIN_KEY = "tt_admin_test_0123456789abcdefghijk"
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class TelltaleServer:
    """One local-mode process over a data directory; start, stop or kill it like an operator would."""

    data_dir: Path
    project: str = "main"
    port: int = field(default_factory=free_port)
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None
    keys: dict[str, str] = field(default_factory=dict)
    command: str = "up"
    """The sub-command that serves: `up`, or `api` as a deployment runs it."""
    args: tuple[str, ...] = ()
    """More arguments for it, e.g. `--demo`."""
    headless: bool = True
    """Start with TELLTALE_INIT_* keys; False starts as a newcomer does, and the keys are in the banner (`log`)."""

    def create_key(self, name: str, project: str, scopes: str) -> str:
        """Create a key with the CLI while the server is stopped (the embedded store has one owner)."""
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "telltale_server.services.cli.main",
                "keys",
                "create",
                "--data-dir",
                str(self.data_dir),
                "--project",
                project,
                "--scopes",
                scopes,
                "--name",
                name,
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        self.keys[name] = out.stdout.split()[0]
        return self.keys[name]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 60.0) -> TelltaleServer:
        init = {
            "TELLTALE_INIT_PROJECT": self.project,
            "TELLTALE_INIT_INGEST_KEY": INGEST_KEY,
            "TELLTALE_INIT_ADMIN_KEY": ADMIN_KEY,
        }
        env = {
            **{name: value for name, value in os.environ.items() if not name.startswith("TELLTALE_INIT_")},
            "TELLTALE_DATA_DIR": str(self.data_dir),
            "TELLTALE_PORT": str(self.port),
            **(init if self.headless else {}),
            "TELLTALE_RUNNER_IDLE_POLL_S": "0.2",
            **self.env,
        }
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "telltale_server.services.cli.main", self.command, *self.args],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,  # its own process group, like a job in a terminal (see `interrupt`)
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"telltale up exited with {self.process.returncode}; see {log.name}")
            try:
                if httpx.get(f"{self.url}/ready", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"telltale up not ready after {timeout_s}s")

    def stop(self) -> int:
        """Graceful stop (SIGTERM), as a process manager would do it."""
        return self._end(signal.SIGTERM)

    def kill(self) -> int:
        """A crash: SIGKILL, no chance to flush or checkpoint."""
        return self._end(signal.SIGKILL)

    def interrupt(self, timeout_s: float = 60.0) -> int:
        """Ctrl-C in its terminal: SIGINT to the whole process group, the server's children included."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGINT)
        code = self.process.wait(timeout=timeout_s)
        self.process = None
        return code

    @property
    def log_path(self) -> Path:
        """What the process printed (stdout and stderr of every start, appended)."""
        return self.data_dir.parent / f"{self.data_dir.name}-server.log"

    def _end(self, sig: signal.Signals) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(sig)
        code = self.process.wait(timeout=30)
        self.process = None
        return code

    def client(self, key: str = ADMIN_KEY) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {key}"}, timeout=30)

    def wait_processed(self, stall_s: float = 120.0) -> dict[str, Any]:
        """Wait until the local runner has no backlog; returns the /ready body. Fails only when scoring stops
        moving for `stall_s` (a loaded machine scores slowly, a stuck runner not at all)."""

        def idle() -> dict[str, Any] | None:
            runner = self.runner()
            return runner if runner.get("backlog") == 0 and not runner.get("in_flight") else None

        return wait_for(idle, "empty scoring backlog", progress=self.progress, stall_s=stall_s)

    def runner(self) -> dict[str, Any]:
        """The local runner's part of /ready (empty in cluster mode)."""
        return dict(httpx.get(f"{self.url}/ready", timeout=30).json().get("runner", {}))

    def progress(self) -> tuple[Any, Any]:
        """What moves while the server scores: events processed and the backlog (waits watch it for stalls)."""
        runner = self.runner()
        return runner.get("processed"), runner.get("backlog")


def query_store(data_dir: Path, sql: str) -> list[dict[str, Any]]:
    """Run SQL on a stopped server's embedded store in a fresh process (chDB allows one store per process)."""
    script = (
        "import json, sys; from telltale_server.schemas.store import Store; "
        f"s = Store('chdb://{data_dir / 'clickhouse'}'); "
        "print(json.dumps(s.rows(sys.argv[1]), default=str))"
    )
    out = subprocess.run([sys.executable, "-c", script, sql], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])
