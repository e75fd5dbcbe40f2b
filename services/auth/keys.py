"""API keys: made once, shown once, stored only as a hash; each carries scopes for one project."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from telltale_server.schemas.store import Store

Scope = Literal["ingest", "read", "review", "admin"]
SCOPES: tuple[Scope, ...] = ("ingest", "read", "review", "admin")
"""`review`: take and review the items of annotation queues; it administers nothing."""
KEY_PREFIX = "tt_"


@dataclass(frozen=True)
class ApiKey:
    """What a key grants; `admin` implies every other scope."""

    key_id: str
    project_id: str
    name: str
    scopes: tuple[str, ...]
    expires_at: datetime | None = None

    def allows(self, scope: Scope) -> bool:
        return "admin" in self.scopes or scope in self.scopes

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and now >= self.expires_at


def new_key(scope_hint: str) -> str:
    """A fresh secret: a readable prefix (for leak scanners and humans) and 192 random bits."""
    return f"{KEY_PREFIX}{scope_hint}_{secrets.token_urlsafe(24)}"


def hash_key(key: str) -> str:
    """Keys are long random secrets, so a plain SHA-256 is enough to store them safely."""
    return hashlib.sha256(key.encode()).hexdigest()


class KeyRing:
    """Creates and looks up keys; lookups are cached briefly so ingest does not query per request."""

    def __init__(self, store: Store, cache_ttl_s: float = 30.0, cache_size: int = 10_000) -> None:
        self.store = store
        self.cache_ttl_s = cache_ttl_s
        self.cache_size = cache_size
        self._cache: OrderedDict[str, tuple[float, ApiKey | None]] = OrderedDict()
        self._lock = threading.Lock()

    def create(
        self,
        project_id: str,
        scopes: tuple[Scope, ...],
        name: str,
        key: str | None = None,
        expires_at: datetime | None = None,
    ) -> tuple[str, ApiKey]:
        """Store a key (a given one, for headless set-up, or a new one) and return its plaintext once."""
        unknown = set(scopes) - set(SCOPES)
        if unknown or not scopes:
            raise ValueError(f"scopes must be a non-empty subset of {SCOPES}, got {scopes}")
        plaintext = key or new_key("admin" if "admin" in scopes else scopes[0])
        if len(plaintext) < 20:
            raise ValueError("an API key must be at least 20 characters long")
        key_hash = hash_key(plaintext)
        now = datetime.now(UTC)
        api_key = ApiKey(key_hash[:12], project_id, name, tuple(scopes), expires_at)
        self.store.client().insert(
            "api_keys",
            [[key_hash, api_key.key_id, project_id, name, list(scopes), now, expires_at, 0, now]],
            column_names=[
                "key_hash",
                "key_id",
                "project_id",
                "name",
                "scopes",
                "created_at",
                "expires_at",
                "revoked",
                "updated_at",
            ],
        )
        with self._lock:
            self._cache.pop(key_hash, None)
        return plaintext, api_key

    def lookup(self, key: str) -> ApiKey | None:
        """The live key for this secret, or None if unknown, revoked or expired."""
        key_hash = hash_key(key)
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(key_hash)
            if cached is not None and now - cached[0] < self.cache_ttl_s:
                api_key = cached[1]
                return api_key if api_key is None or not api_key.expired(datetime.now(UTC)) else None
        api_key = self._fetch(key_hash)
        with self._lock:
            self._cache[key_hash] = (now, api_key)
            self._cache.move_to_end(key_hash)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return api_key if api_key is None or not api_key.expired(datetime.now(UTC)) else None

    def _fetch(self, key_hash: str) -> ApiKey | None:
        rows = self.store.rows(
            "SELECT key_id, project_id, name, scopes, expires_at, revoked FROM api_keys FINAL "
            "WHERE key_hash = {key_hash:String}",
            {"key_hash": key_hash},
        )
        if not rows or rows[0]["revoked"]:
            return None
        row = rows[0]
        expires_at = row["expires_at"].replace(tzinfo=UTC) if row["expires_at"] else None
        return ApiKey(row["key_id"], row["project_id"], row["name"], tuple(row["scopes"]), expires_at)
