"""The alert rules `telltale up --demo` installs, so a newcomer sees the demo's failures become alerts."""

from __future__ import annotations

from telltale_server.schemas.store import Store
from telltale_server.services.alerts.rules import RuleSpec, RuleStore
from telltale_server.services.metrics.disparity import settings

RULES: tuple[RuleSpec, ...] = (
    RuleSpec.model_validate(
        {
            "name": "Ungrounded answers per model",
            "metric": "groundedness.ungrounded_rate",
            "group_by": ["model"],
            "window": "30m",
            "comparator": ">",
            "threshold": 0.2,
            "resolve_threshold": 0.12,
            "min_samples": 30,
            "for": "30s",
            "keep_firing_for": "10m",
            "severity": "warning",
            "annotations": {"summary": "{{model}}: {{value}} of answers unsupported by their passages (> 20%)"},
        }
    ),
    RuleSpec.model_validate(
        {
            "name": "Personal data in outputs per route",
            "metric": "safety.pii.output.rate",
            "group_by": ["route"],
            "window": "15m",
            "comparator": ">",
            "threshold": 0.02,
            "resolve_threshold": 0.01,
            "min_samples": 30,
            "for": "30s",
            "keep_firing_for": "10m",
            "severity": "critical",
            "annotations": {"summary": "{{route}}: {{value}} of calls leak personal data (> 2%)"},
        }
    ),
    RuleSpec.model_validate(
        {
            "name": "Off-topic retrieval per route",
            "metric": "retrieval.irrelevant_rate",
            "group_by": ["route"],
            "window": "15m",
            "comparator": ">",
            "threshold": 0.4,
            "resolve_threshold": 0.3,
            "min_samples": 30,
            "for": "30s",
            "keep_firing_for": "10m",
            "severity": "warning",
            "annotations": {"summary": "{{route}}: {{value}} of calls retrieved no relevant passage (> 40%)"},
        }
    ),
    RuleSpec.model_validate(
        {
            "name": "Error rate per model",
            "metric": "error.rate",
            "group_by": ["model"],
            "window": "5m",
            "comparator": ">",
            "threshold": 0.1,
            "resolve_threshold": 0.05,
            "min_samples": 20,
            "for": "30s",
            "keep_firing_for": "5m",
            "severity": "error",
        }
    ),
    RuleSpec.model_validate(
        {
            "name": "Traffic drift per route",
            "metric": "drift.share",
            "group_by": ["route"],
            "window": "30m",
            "comparator": ">=",
            "threshold": 0.3,
            "resolve_threshold": 0.2,
            "min_samples": 30,
            "keep_firing_for": "20m",
            "severity": "info",
            "annotations": {"summary": "{{route}}: {{value}} of the watched signals drifted (see Drift)"},
        }
    ),
    RuleSpec.model_validate(
        {
            "name": "Scoring lag",
            "metric": "evaluation.lag_seconds",
            "window": "5m",
            "comparator": ">",
            "threshold": 300,
            "min_samples": 0,
            "for": "1m",
            "severity": "warning",
            "annotations": {
                "summary": "Scoring is {{value}} s behind ingest ({{samples}} calls waiting): scores and alerts lag"
            },
        }
    ),
)
"""Console-only rules (no channels): the user adds a webhook, Slack or PagerDuty channel to page someone.

Thresholds sit between what the demo's healthy groups show and what its degraded ones do (services/demo/
generator.py): unsupported answers are ~5% on most models (toxic and leaking outputs are unsupported too) and
~40% on the fabricating one; leaks 0 on most routes and ~6% on the leaking one; errors ~1% on most models and
~20% on the overloaded one; calls without a relevant passage ~22% on the route that also gets questions the
help centre does not cover (in the drifted last quarter hour), ~2% on the others (injections) and ~60% on the
route whose index returns off-topic passages. Each rule also has hysteresis, as production rules should, so an
alert near its threshold does not flap firing -> resolved -> firing within seconds. A rate rule fires after 30 s
above its threshold, is clear only well below it (`resolve_threshold`) and resolves after staying clear for
`keep_firing_for`; the drift rule, fed by 10-minute windows, waits two windows."""


def install(store: Store, project_id: str) -> None:
    """Add the demo rules and watch the demo's `plan` attribute for disparity (on the project's first start only,
    so a user's edits and deletions stay)."""
    rules = RuleStore(store)
    for spec in RULES:
        rules.save(project_id, spec)
    settings.save(store, project_id, settings.DisparitySettings(attributes=["plan"]))
