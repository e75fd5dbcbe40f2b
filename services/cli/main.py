"""`telltale`: run local mode, migrate the store, create keys, send demo traffic."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from telltale_server.schemas.settings import Settings
from telltale_server.services import log_masking
from telltale_server.services.cli import cluster, commands
from telltale_server.services.cli import export as dataset_export
from telltale_server.services.cli import replay as replay_command
from telltale_server.services.runtime import ROLES


def parser() -> argparse.ArgumentParser:
    """The command line, one sub-command per job."""
    cli = argparse.ArgumentParser(prog="telltale", description="Production monitoring and feedback for LLM apps.")
    sub = cli.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="run local mode: API, ingest and evaluation in one process")
    up.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    up.add_argument("--port", type=int, help="port to listen on (default 8600)")
    up.add_argument("--data-dir", type=Path, help="where data lives (default ./.telltale)")
    up.add_argument("--demo", action="store_true", help="also send demo traffic: an hour of history, then live")
    up.add_argument("--demo-events", type=int, default=3000, help="history events sent by --demo (default 3000)")
    up.set_defaults(run=commands.up)

    api = sub.add_parser("api", help="serve the API (cluster mode with TELLTALE_KAFKA_BOOTSTRAP, else local mode)")
    api.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    api.add_argument("--port", type=int, help="port to listen on (default 8600)")
    api.add_argument("--data-dir", type=Path)
    api.add_argument("--roles", help="cluster mode: worker roles to run here too (default: none; store on chDB)")
    api.set_defaults(run=commands.api)

    migrate = sub.add_parser(
        "migrate", help="apply pending storage migrations and roll up what is not yet (safe to run twice, resumable)"
    )
    migrate.add_argument("--data-dir", type=Path)
    migrate.set_defaults(run=commands.migrate)

    jobs = sub.add_parser(
        "jobs",
        aliases=["alerts"],
        help="cluster mode: the background jobs - alert engine, drift, curation, rollups (each one active at a time "
        "by lease, safe to run two); `alerts` is its former name",
    )
    jobs.add_argument("--data-dir", type=Path)
    jobs.set_defaults(run=commands.jobs)

    demo = sub.add_parser("demo", help="send realistic RAG traffic with failures to a running server")
    demo.add_argument("--url", default="http://127.0.0.1:8600")
    demo.add_argument("--key", required=True, help="an API key with the ingest scope")
    demo.add_argument("--events", type=int, default=1000, help="events spread over the last --hours (default 1000)")
    demo.add_argument("--hours", type=float, default=1.0)
    demo.add_argument("--rate", type=float, default=0.0, help="then keep sending this many events/s (default: stop)")
    demo.add_argument("--seed", type=int, help="make the traffic reproducible (default: random)")
    demo.set_defaults(run=commands.demo)

    evaluate = sub.add_parser("evaluate", help="run evaluators over JSONL ({id, input, output, contexts} per line)")
    evaluate.add_argument("--evaluator", action="append", required=True, help="evaluator name; repeat for more")
    evaluate.add_argument("--input", default="-", help="JSONL file, or - for stdin")
    evaluate.add_argument("--output", default="-", help="JSONL file, or - for stdout")
    evaluate.set_defaults(run=commands.evaluate)

    worker = sub.add_parser("worker", help="cluster mode: run Kafka roles (needs TELLTALE_KAFKA_BOOTSTRAP)")
    worker.add_argument("--roles", help=f"comma-separated, from {','.join(ROLES)} (default: TELLTALE_ROLES, both)")
    worker.add_argument("--data-dir", type=Path)
    worker.set_defaults(run=cluster.worker)

    replay = sub.add_parser(
        "replay", help="re-evaluate stored events, recompute drift windows (--drift) or rebuild rollups (--rollups)"
    )
    replay.add_argument("--from", dest="from_", help="ISO time: events with ts from here on (not with --skipped)")
    replay.add_argument(
        "--skipped", action="store_true", help="score what the overload policy `sample` left unscored, and nothing else"
    )
    replay.add_argument("--evaluator", action="append", help="only this evaluator; repeat for more (default: all)")
    replay.add_argument("--batch", type=int, default=2000, help="events per batch (default 2000)")
    replay.add_argument("--data-dir", type=Path)
    replay.add_argument("--drift", action="store_true", help="recompute drift windows instead of evaluations")
    replay.add_argument("--rollups", action="store_true", help="rebuild the per-minute rollups from raw rows")
    replay.add_argument("--to", help="with --drift or --rollups: ISO time, end of the range (default: now)")
    replay.add_argument("--project", help="with --drift or --rollups: only this project (default: every project)")
    replay.add_argument("--monitor", help="with --drift: only this monitor id (default: every monitor)")
    replay.set_defaults(run=replay_command.replay)

    export = sub.add_parser("export", help="download a dataset version (jsonl, openai-evals, csv, parquet)")
    export.add_argument("dataset", help="the dataset id (ds_...)")
    export.add_argument("--version", default="latest", help="a version number, latest (default) or draft")
    export.add_argument("--format", choices=("jsonl", "openai-evals", "csv", "parquet"), default="jsonl")
    export.add_argument("--out", required=True, help="the file to write")
    export.add_argument("--column", action="append", help="rename a flow column, e.g. question=query; repeatable")
    export.add_argument("--url", default="http://127.0.0.1:8600")
    export.add_argument("--key", help="an API key with the read scope (default: $TELLTALE_API_KEY)")
    export.add_argument("--quiet", action="store_true", help="no progress bar")
    export.set_defaults(run=dataset_export.export)

    keys = sub.add_parser("keys", help="manage API keys")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    create = keys_sub.add_parser("create", help="create a key and print it once")
    create.add_argument("--project", default="default")
    create.add_argument("--scopes", default="ingest", help="comma-separated: ingest, read, review, admin")
    create.add_argument("--name", default="cli")
    create.add_argument("--data-dir", type=Path)
    create.set_defaults(run=commands.keys_create)
    return cli


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    log_masking.configure("%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        settings = Settings()
        logging.getLogger().setLevel(settings.log_level)
        log_masking.register_settings(settings)
        return args.run(args) or 0
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        if logging.getLogger().isEnabledFor(logging.DEBUG):
            logging.getLogger("telltale").exception("telltale failed")
        print(f"telltale: {log_masking.mask(str(error))}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
