"""Traffic with a group served worse: Spanish-speaking users' calls fail half the time, English ones 1 in 20."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.support.events import inference

SPANISH = "¿Cuánto tiempo tardan los reembolsos en llegar a mi tarjeta?"
ENGLISH = "How long do refunds take to reach my card?"


def calls(spanish: int, english: int, plans: tuple[str, ...]) -> list[dict[str, Any]]:
    """`spanish` calls, every other one failed, then `english`, one in 20 failed, over the last half hour; the
    i-th call's attributes are the i-th plan in turn and a number of seats (0-2)."""
    now = datetime.now(UTC)
    mix = [(SPANISH, i % 2 == 0) for i in range(spanish)] + [(ENGLISH, i % 20 == 0) for i in range(english)]
    made = []
    for i, (question, failed) in enumerate(mix):
        event = inference(
            ts=(now - timedelta(minutes=20, seconds=i)).isoformat(),
            input=[{"role": "user", "content": question}],
            attributes={"plan": plans[i % len(plans)], "seats": i % 3},
        )
        if failed:
            event.update(status="error", error="RateLimitError", output=None)
        made.append(event)
    return made
