"""Exports the contracts as JSON Schema files for other SDKs: `python -m telltale_server.schemas.json_schema`."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from telltale_server.schemas.evaluation import Evaluation
from telltale_server.schemas.events import FeedbackEvent, InferenceEvent

JSON_DIR = Path(__file__).parent / "json"
CONTRACTS: dict[str, type[BaseModel]] = {
    "inference.v1.json": InferenceEvent,
    "feedback.v1.json": FeedbackEvent,
    "evaluation.v1.json": Evaluation,
}


def render(model: type[BaseModel]) -> str:
    """The model's JSON Schema (what a client may send), as stable, diff-friendly text."""
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **model.model_json_schema()}
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def write(directory: Path = JSON_DIR) -> list[Path]:
    """Write every contract's schema file and return the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, model in CONTRACTS.items():
        path = directory / name
        path.write_text(render(model))
        paths.append(path)
    return paths


if __name__ == "__main__":
    for written in write():
        print(written)
