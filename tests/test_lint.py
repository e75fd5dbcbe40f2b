"""The code stays ruff-clean and formatted: the lint runs as part of the test suite."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.server import ROOT

SERVER_FOLDERS = ("schemas", "streams", "services")
"""The folders setup.py installs under `telltale_server`."""


def test_ruff_check() -> None:
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_ruff_format() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "."], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout


@pytest.fixture(scope="module")
def installed_layout() -> Path:
    """The server's folders under `telltale_server`, as setup.py installs them, for the checkers to read (kept in
    .lint/ so their caches survive between runs)."""
    layout = ROOT / ".lint" / "layout"
    package = layout / "telltale_server"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").touch()
    for folder in SERVER_FOLDERS:
        if not (package / folder).is_symlink():
            (package / folder).symlink_to(ROOT / folder, target_is_directory=True)
    shutil.copy(ROOT / "pyproject.toml", layout / "pyproject.toml")
    return layout


def _run(tool: str, args: list[str], layout: Path) -> subprocess.CompletedProcess[str]:
    path = os.pathsep.join([str(layout), str(ROOT / "sdk" / "python" / "src")])
    return subprocess.run(
        [str(Path(sys.executable).with_name(tool)), *args],
        cwd=layout,
        env={**os.environ, "PYTHONPATH": path, "MYPYPATH": path},
        capture_output=True,
        text=True,
    )


def test_imports_keep_the_architecture(installed_layout: Path) -> None:
    """DESIGN.md's import rules, as import-linter contracts (pyproject.toml)."""
    result = _run("lint-imports", ["--no-cache"], installed_layout)
    assert result.returncode == 0, result.stdout + result.stderr


def test_types_check(installed_layout: Path) -> None:
    """mypy over the server and the SDK (pyproject.toml's [tool.mypy]); every `type: ignore` is still needed."""
    cache = str(ROOT / ".lint" / "mypy-cache")
    result = _run("mypy", ["--cache-dir", cache, "-p", "telltale_server", "-p", "telltale"], installed_layout)
    assert result.returncode == 0, result.stdout + result.stderr
