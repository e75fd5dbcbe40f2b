"""The model price table: shipped list prices, extended by the user's own file."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

SHIPPED = Path(__file__).with_name("prices.json")


@dataclass(frozen=True)
class Price:
    """USD per million input and output tokens."""

    input: float
    output: float

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        """The cost of one call."""
        return (input_tokens * self.input + output_tokens * self.output) / 1_000_000


class PriceTable:
    """Finds a model's price by the longest matching name prefix, so dated snapshots inherit it."""

    def __init__(self, prices: dict[str, Price]) -> None:
        self._by_name = {name.lower(): price for name, price in prices.items()}
        self._names = sorted(self._by_name, key=len, reverse=True)

    @classmethod
    def load(cls, extra: Path | None = None) -> PriceTable:
        """The shipped table, with the entries of `extra` added or overriding."""
        prices = _read(SHIPPED)
        if extra is not None:
            prices.update(_read(extra))
        return cls(prices)

    def find(self, model: str) -> tuple[str, Price] | None:
        """The table entry for a model name such as 'openai/gpt-4o-2024-08-06', if any."""
        name = model.lower().rsplit("/", 1)[-1]
        for known in self._names:
            if name.startswith(known):
                return known, self._by_name[known]
        return None


def _read(path: Path) -> dict[str, Price]:
    data = json.loads(path.read_text())
    return {
        name: Price(input=float(entry["input"]), output=float(entry["output"]))
        for name, entry in data.items()
        if not name.startswith("_")
    }
