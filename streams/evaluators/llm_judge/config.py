"""The judge's configuration, resolved once from the settings so a misconfiguration fails at start, not per event."""

from __future__ import annotations

from dataclasses import dataclass, field

from telltale_server.schemas.settings import Settings
from telltale_server.streams.evaluators.prices import Price, PriceTable

MAX_OUTPUT_TOKENS = 512
"""The judge's answer limit; also the output-token guess used to reserve spend before a call."""


@dataclass(frozen=True)
class JudgeConfig:
    """Where the judge lives, what it costs and how hard it may be used."""

    url: str
    model: str
    price: Price
    api_key: str | None = field(default=None, repr=False)
    sample_rate: float = 0.1
    calls_per_minute: int = 60
    daily_usd_cap: float = 5.0
    timeout_s: float = 30.0
    max_retries: int = 3
    concurrency: int = 4

    @classmethod
    def from_settings(cls, settings: Settings) -> JudgeConfig:
        """Refuses to build without an endpoint, or without a price when the model is not in the price table."""
        if not settings.judge_url:
            raise ValueError("llm_judge needs TELLTALE_JUDGE_URL (an OpenAI-compatible base URL such as .../v1)")
        return cls(
            url=settings.judge_url,
            model=settings.judge_model,
            price=_price(settings),
            api_key=settings.judge_api_key.get_secret_value() if settings.judge_api_key else None,
            sample_rate=settings.judge_sample_rate,
            calls_per_minute=settings.judge_calls_per_minute,
            daily_usd_cap=settings.judge_daily_usd_cap,
            timeout_s=settings.judge_timeout_s,
            concurrency=settings.judge_concurrency,
        )

    def endpoint(self) -> str:
        """The chat-completions URL: a base URL gets `/chat/completions` appended, a full one is kept."""
        url = self.url.rstrip("/")
        return url if url.endswith("/chat/completions") else f"{url}/chat/completions"


def _price(settings: Settings) -> Price:
    """Explicit per-token prices win; otherwise the price table must know the model, or the cap would be blind."""
    explicit = (settings.judge_usd_per_mtok_input, settings.judge_usd_per_mtok_output)
    if explicit != (None, None):
        return Price(input=explicit[0] or 0.0, output=explicit[1] or 0.0)
    found = PriceTable.load(settings.prices_file).find(settings.judge_model)
    if found is None:
        raise ValueError(
            f"no price for judge model {settings.judge_model!r}: set TELLTALE_JUDGE_USD_PER_MTOK_INPUT/_OUTPUT "
            "(0 for a self-hosted model) so the daily spend cap can be enforced"
        )
    return found[1]
