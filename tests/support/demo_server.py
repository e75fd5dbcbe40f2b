"""A newcomer's first `telltale up --demo`, started and waited on until its back-dated hour is scored."""

from __future__ import annotations

import time
from pathlib import Path

from tests.support.server import TelltaleServer


def start_demo(data_dir: Path, history: int, env: dict[str, str]) -> TelltaleServer:
    """`telltale up --demo --demo-events history`, returned once the demo says its history is sent and the runner
    has scored everything it received."""
    server = TelltaleServer(data_dir, args=("--demo", "--demo-events", str(history)), env=env).start()
    try:
        while True:
            server.wait_processed()
            log = server.log_path.read_text()
            assert "demo: stopped sending" not in log, log[-2000:]
            if f"demo: sent {history} inference" in log:
                server.wait_processed()
                return server
            time.sleep(0.5)
    except BaseException:
        server.stop()
        raise
