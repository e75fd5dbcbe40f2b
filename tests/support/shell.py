"""Runs the commands the README and the console show a user, as written, in bash, with a user's environment."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.support.server import ROOT

README = ROOT / "README.md"
_BLOCK = re.compile(r"^```bash\n(.*?)^```", re.S | re.M)
PROLOGUE = """set -euo pipefail
# As written, plus: an HTTP error fails the command (curl itself exits 0 on a 4xx or 5xx answer).
curl() { command curl --fail-with-body --silent --show-error "$@"; echo; }
"""


@dataclass(frozen=True)
class Block:
    """One fenced bash block of the README, and the line it starts on."""

    line: int
    text: str


def readme_blocks(path: Path = README) -> list[Block]:
    text = path.read_text(encoding="utf-8")
    return [Block(text.count("\n", 0, match.start()) + 2, match.group(1)) for match in _BLOCK.finditer(text)]


def shell_env(variables: dict[str, str]) -> dict[str, str]:
    """A user's shell after `source .venv/bin/activate` and the banner's `export` line."""
    base = {name: value for name, value in os.environ.items() if not name.startswith("TELLTALE_")}
    path = f"{Path(sys.executable).parent}{os.pathsep}{base.get('PATH', '')}"
    return {**base, "PATH": path, "VIRTUAL_ENV": str(Path(sys.executable).parent.parent), **variables}


def run(script: str, env: dict[str, str], cwd: Path, timeout_s: float = 300) -> str:
    """Run `script` in bash; fail with its output when any command in it fails."""
    done = subprocess.run(
        ["bash", "-c", PROLOGUE + script], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout_s
    )
    if done.returncode != 0:
        raise AssertionError(f"exit {done.returncode}:\n{script}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}")
    return done.stdout
