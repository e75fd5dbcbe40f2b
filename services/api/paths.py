"""Path parameters with a shape of their own, so no route's meaning depends on the order routers are added."""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor


class _MetricName(Convertor[str]):
    """A catalog metric's name is dotted (`error.rate`, `drift.model.score`): `/v1/metrics/summary` is never one."""

    regex = r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


METRIC_NAME = "metric_name"
register_url_convertor(METRIC_NAME, _MetricName())
