"""The ClickHouse client factory: one URL picks the embedded engine (chDB) or a server."""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path
from typing import IO, Any

import clickhouse_connect
from clickhouse_connect.driver.client import Client

CHDB_SCHEME = "chdb://"
INSERT_SETTINGS = {"max_partitions_per_insert_block": 0}
"""Event times come from clients: one valid batch may span more months (partitions) than the default 100."""


class StoreLockedError(RuntimeError):
    """Another process owns this embedded data directory; chDB allows one process per directory."""


class Store:
    """Hands each thread its own client for one ClickHouse, so queries can run in parallel."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._local = threading.local()
        self._clients: list[Client] = []
        self._clients_lock = threading.Lock()
        self._lock_file: IO[str] | None = None
        if self.embedded:
            self._lock_file = _lock_data_dir(Path(url.removeprefix(CHDB_SCHEME)))
        self.client()

    @property
    def embedded(self) -> bool:
        """True for chDB, where this process owns the data directory."""
        return self.url.startswith(CHDB_SCHEME)

    def client(self) -> Client:
        """This thread's client, made on first use."""
        client = getattr(self._local, "client", None)
        if client is None:
            options: dict[str, Any] = {"tz_mode": "aware"}
            if not self.embedded:
                options["autogenerate_session_id"] = False
            client = clickhouse_connect.get_client(dsn=self.url, **options)
            self._local.client = client
            with self._clients_lock:
                self._clients.append(client)
        return client

    def command(self, sql: str, parameters: dict[str, Any] | None = None) -> Any:
        """Run a statement that returns no rows (DDL, ALTER) or a single value."""
        return self.client().command(sql, parameters=parameters)

    def rows(
        self,
        sql: str,
        parameters: dict[str, Any] | None = None,
        column_formats: dict[str, str | dict[str, str]] | None = None,
    ) -> list[dict[str, Any]]:
        """Run a query and return its rows as dicts keyed by column name (`{"col": "bytes"}` keeps raw bytes)."""
        result = self.client().query(sql, parameters=parameters, column_formats=column_formats)
        return list(result.named_results())

    def column(self, sql: str, parameters: dict[str, Any] | None = None) -> list[str]:
        """The first column of a query as strings; TSV skips the typed decoding that `rows` pays for."""
        data = self.client().raw_query(sql, parameters=parameters, fmt="TSV")
        return data.decode().splitlines()

    def insert_json(self, table: str, rows: bytes) -> None:
        """Insert JSON objects (one per line, or a JSON array); ClickHouse parses them, which beats Python encoding."""
        if rows and rows != b"[]":
            self.client().raw_insert(table, insert_block=rows, fmt="JSONEachRow", settings=INSERT_SETTINGS)

    def close(self) -> None:
        """Release every thread's client (which shuts the embedded engine down) and the data-directory lock."""
        with self._clients_lock:
            clients, self._clients = self._clients, []
        for client in clients:
            client.close()
        self._local = threading.local()
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None


def _lock_data_dir(path: Path) -> IO[str]:
    """Take the directory's lock file, or say clearly which process holds it."""
    path.mkdir(parents=True, exist_ok=True)
    handle = (path.parent / f"{path.name}.lock").open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        owner = handle.read().strip() or "another process"
        handle.close()
        raise StoreLockedError(
            f"{path} is in use by pid {owner}: the embedded store is owned by one process; "
            "stop it, or point TELLTALE_CLICKHOUSE_URL at a ClickHouse server"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle
