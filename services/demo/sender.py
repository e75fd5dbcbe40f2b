"""Sends demo traffic to a Telltale server over its public HTTP API, as a real app would."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from telltale_server.services.demo.generator import DemoCall


@dataclass
class SendReport:
    inference: int = 0
    feedback: int = 0
    rejected: int = 0


class DemoSender:
    """Posts batches of inference events, then their feedback; retries while the server is unavailable."""

    def __init__(self, url: str, key: str, batch_size: int = 250, timeout_s: float = 30.0) -> None:
        self.client = httpx.Client(
            base_url=url.rstrip("/"), headers={"Authorization": f"Bearer {key}"}, timeout=timeout_s
        )
        self.batch_size = batch_size

    def send(self, calls: Iterable[DemoCall], report: SendReport | None = None) -> SendReport:
        report = report or SendReport()
        batch: list[DemoCall] = []
        for call in calls:
            batch.append(call)
            if len(batch) >= self.batch_size:
                self._flush(batch, report)
                batch = []
        if batch:
            self._flush(batch, report)
        return report

    def close(self) -> None:
        self.client.close()

    def _flush(self, batch: list[DemoCall], report: SendReport) -> None:
        report.inference += self._post("/v1/inference", [call.inference for call in batch], report)
        feedback = [item for call in batch for item in call.feedback]
        if feedback:
            report.feedback += self._post("/v1/feedback", feedback, report)

    def _post(self, path: str, items: list[dict[str, Any]], report: SendReport, attempts: int = 8) -> int:
        for attempt in range(attempts):
            try:
                response = self.client.post(path, json=items)
            except httpx.TransportError:
                response = None
            if response is not None and response.status_code < 500 and response.status_code != 429:
                if response.status_code in (200, 207, 422):
                    body = response.json()
                    report.rejected += body["rejected"]
                    return body["accepted"] + body["duplicates"]
                response.raise_for_status()
            time.sleep(min(0.25 * 2**attempt, 5.0))
        raise RuntimeError(f"{path}: server unavailable after {attempts} attempts")
