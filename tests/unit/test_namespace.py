"""The server installs under one import name, so a local folder or another distribution's `schemas` cannot shadow it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.server import ROOT


def test_server_imports_under_its_namespace_beside_a_shadowing_folder(tmp_path: Path) -> None:
    for generic in ("schemas", "streams", "services"):
        (tmp_path / generic).mkdir()
        (tmp_path / generic / "__init__.py").write_text("raise ImportError('the local folder was imported')\n")
    probe = (
        "import telltale_server.schemas.settings as s, telltale_server.services.cli.main as m; "
        "print(s.__file__); print(m.__file__)"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    settings, cli = (Path(line) for line in result.stdout.split())
    assert (settings.parent, cli.parent.parent) == (ROOT / "schemas", ROOT / "services")


def test_generic_names_are_not_installed(tmp_path: Path) -> None:
    for generic in ("schemas", "streams", "services"):
        result = subprocess.run([sys.executable, "-c", f"import {generic}"], cwd=tmp_path, capture_output=True)
        assert result.returncode != 0, f"`{generic}` is importable outside the repository"
