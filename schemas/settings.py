"""Telltale's configuration, read once from TELLTALE_* environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from telltale_server.schemas import limits


class Settings(BaseSettings):
    """Every knob in one place, so the CLI, the API and the runners agree."""

    model_config = SettingsConfigDict(env_prefix="TELLTALE_", extra="ignore", env_ignore_empty=True)

    data_dir: Path = Field(default=Path(".telltale"), description="Where local mode keeps its data.")
    clickhouse_url: str | None = Field(
        default=None,
        description="chdb:///path (embedded) or http(s)://user:pass@host:8123/db; default: chdb in data_dir.",
    )
    clickhouse_cluster: str | None = Field(
        default=None,
        description="Migrate for this ClickHouse cluster: ON CLUSTER, Replicated*MergeTree, Distributed.",
    )
    kafka_bootstrap: str | None = Field(default=None, description="Set to run in cluster mode on Kafka.")
    roles: str = Field(
        default="store,evaluate", description="Cluster mode: the worker roles `telltale up`/`worker` run in-process."
    )
    host: str = "127.0.0.1"
    port: int = 8600
    max_body_bytes: int = limits.MAX_BODY_BYTES
    max_batch_items: int = limits.MAX_BATCH_ITEMS
    otel_hold_s: float = Field(
        default=15.0,
        ge=0,
        description="How long an OpenTelemetry LLM span waits for its trace's retriever span before it is stored "
        "without contexts.",
    )
    prices_file: Path | None = Field(default=None, description="Extra model prices (JSON), over the shipped table.")
    evaluators: list[str] | None = Field(
        default=None, description='Evaluators to run, e.g. ["usage","safety.pii"]; default: every local one.'
    )
    judge_url: str | None = Field(default=None, description="OpenAI-compatible base URL (.../v1) of the LLM judge.")
    judge_api_key: SecretStr | None = None
    judge_model: str = "gpt-4o-mini"
    judge_sample_rate: float = Field(default=0.1, ge=0, le=1, description="Share of events the judge scores.")
    judge_calls_per_minute: int = Field(default=60, ge=1)
    judge_daily_usd_cap: float = Field(default=5.0, ge=0, description="Judge spend per UTC day, then it skips.")
    judge_usd_per_mtok_input: float | None = Field(default=None, ge=0, description="Default: the price table.")
    judge_usd_per_mtok_output: float | None = Field(default=None, ge=0)
    judge_timeout_s: float = Field(default=30.0, gt=0)
    judge_concurrency: int = Field(default=4, ge=1, description="Judge calls in flight at once within a batch.")
    runner_batch_size: int = Field(default=2000, description="Most events the local runner evaluates at once.")
    runner_idle_poll_s: float = Field(default=1.0, description="How often the runner looks for missed events.")
    evaluator_workers: int | None = Field(
        default=None, ge=0, description="Evaluator processes of local mode; default: one per CPU; 0: in-process."
    )
    evaluator_nice: int = Field(
        default=5, ge=0, le=19, description="How much lower the evaluator processes' CPU priority is than the server's."
    )
    overload_policy: Literal["keep", "sample"] = Field(
        default="keep",
        description="Past overload_backlog unscored events: keep scoring everything and fall behind, or sample.",
    )
    overload_backlog: int = Field(default=50_000, ge=1, description="Backlog (events) past which the policy applies.")
    overload_sample_rate: float = Field(
        default=0.1, gt=0, le=1, description="With `sample`: share of events each sampled evaluator scores."
    )
    overload_full: list[str] = Field(
        default_factory=lambda: ["usage"], description="With `sample`: evaluators that still score every event."
    )
    alerts_allowed_networks: list[str] = Field(
        default_factory=list,
        description='Private hosts or networks alert channels may reach, e.g. ["127.0.0.0/8", "hooks.internal"].',
    )
    alerts_interval_s: float = Field(default=2.0, description="Longest wait between two alert evaluation passes.")
    alerts_delivery_timeout_s: float = Field(default=10.0, description="Timeout of one notification request.")
    alerts_give_up_after_s: float = Field(default=21600.0, description="Age at which a notification stops retrying.")
    drift_enabled: bool = Field(default=True, description="Run the drift job (local mode; cluster: `telltale jobs`).")
    drift_interval_s: float = Field(default=30.0, gt=0, description="How often the drift job looks for closed windows.")
    metrics_port: int = Field(
        default=9464, ge=0, le=65535, description="Prometheus /metrics port of `worker` and `alerts` (0: off)."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="Least severe log records written (every line is masked for key material)."
    )
    init_project: str | None = Field(default=None, description="Project created on first start (headless).")
    init_ingest_key: str | None = None
    init_admin_key: str | None = None

    def store_url(self) -> str:
        """The ClickHouse URL: the configured one, or the embedded engine inside the data dir."""
        return self.clickhouse_url or f"chdb://{(self.data_dir / 'clickhouse').resolve()}"
