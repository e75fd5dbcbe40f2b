"""The code stays ruff-clean and formatted: the lint runs as part of the test suite."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

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


def test_imports_keep_the_architecture(tmp_path: Path) -> None:
    """DESIGN.md's import rules, as import-linter contracts (pyproject.toml), over the folders laid out as installed."""
    package = tmp_path / "telltale_server"
    package.mkdir()
    (package / "__init__.py").touch()
    for folder in SERVER_FOLDERS:
        (package / folder).symlink_to(ROOT / folder, target_is_directory=True)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    path = os.pathsep.join([str(tmp_path), str(ROOT / "sdk" / "python" / "src")])
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
