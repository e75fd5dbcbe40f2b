"""`telltale export`: download a dataset version from a running server to a file, with a progress bar."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import httpx
from tqdm import tqdm

LINE_FORMATS = ("jsonl", "openai-evals")
"""One item per line: progress counts items; other formats count bytes."""


def export(args: argparse.Namespace) -> int:
    """Stream `GET /v1/datasets/{id}/versions/{v}/export` into `--out`; a failed download leaves no file."""
    key = args.key or os.environ.get("TELLTALE_API_KEY")
    if not key:
        raise SystemExit("telltale export: give --key or set TELLTALE_API_KEY (a key with the read scope)")
    params = {"format": args.format, **dict(_column(text) for text in args.column or [])}
    url = f"{args.url.rstrip('/')}/v1/datasets/{args.dataset}/versions/{args.version}/export"
    out = Path(args.out)
    partial = out.with_name(out.name + ".part")
    headers = {"Authorization": f"Bearer {key}"}
    with (
        httpx.Client(headers=headers, timeout=httpx.Timeout(60, read=600)) as client,
        client.stream("GET", url, params=params) as response,
    ):
        if response.status_code != 200:
            response.read()
            print(f"telltale export: {response.status_code} {response.text}", file=sys.stderr)
            return 1
        total = int(response.headers.get("Telltale-Item-Count", "0"))
        lines = args.format in LINE_FORMATS
        bar = tqdm(
            total=total if lines else None,
            unit="items" if lines else "B",
            unit_scale=not lines,
            desc=f"{args.dataset} v{args.version} ({total} items)",
            disable=args.quiet,
        )
        try:
            with bar, partial.open("wb") as sink:
                for chunk in response.iter_bytes():
                    sink.write(chunk)
                    bar.update(chunk.count(b"\n") if lines else len(chunk))
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    partial.replace(out)
    print(f"wrote {total} items to {out}", file=sys.stderr)
    return 0


def _column(text: str) -> tuple[str, str]:
    """`question=query` -> ("question", "query"): rename a flow column in the export."""
    name, sep, value = text.partition("=")
    if not sep or name not in ("question", "context", "answer", "ground_truth") or not value:
        raise SystemExit(f"telltale export: --column takes question|context|answer|ground_truth=NAME, not {text!r}")
    return name, value
