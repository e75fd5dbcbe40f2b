"""Telltale's configuration, read once from TELLTALE_* environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from schemas import limits


class Settings(BaseSettings):
    """Every knob in one place, so the CLI, the API and the runners agree."""

    model_config = SettingsConfigDict(env_prefix="TELLTALE_", extra="ignore")

    data_dir: Path = Field(default=Path(".telltale"), description="Where local mode keeps its data.")
    clickhouse_url: str | None = Field(
        default=None,
        description="chdb:///path (embedded) or http(s)://user:pass@host:8123/db; default: chdb in data_dir.",
    )
    kafka_bootstrap: str | None = Field(default=None, description="Set to run in cluster mode on Kafka.")
    host: str = "127.0.0.1"
    port: int = 8600
    max_body_bytes: int = limits.MAX_BODY_BYTES
    max_batch_items: int = limits.MAX_BATCH_ITEMS
    prices_file: Path | None = Field(default=None, description="Extra model prices (JSON), over the shipped table.")
    evaluators: list[str] | None = Field(
        default=None, description='Evaluators to run, e.g. ["usage","safety.pii"]; default: every local one.'
    )
    runner_batch_size: int = Field(default=2000, description="Most events the local runner evaluates at once.")
    runner_idle_poll_s: float = Field(default=1.0, description="How often the runner looks for missed events.")
    init_project: str | None = Field(default=None, description="Project created on first start (headless).")
    init_ingest_key: str | None = None
    init_admin_key: str | None = None

    def store_url(self) -> str:
        """The ClickHouse URL: the configured one, or the embedded engine inside the data dir."""
        return self.clickhouse_url or f"chdb://{(self.data_dir / 'clickhouse').resolve()}"
