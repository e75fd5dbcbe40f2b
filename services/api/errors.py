"""The API's error answers: one 422 shape (FastAPI's `detail` list naming each field), and the documented codes."""

from __future__ import annotations

import json
from typing import Any

from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.requests import Request

ECHO_LIMIT = 256
"""Characters of a rejected value a 422 repeats back; a longer one is cut to this (a 3 MB field must not make a
12 MB answer)."""


class Problem(BaseModel):
    """Every error other than 422: what went wrong, in words a client developer can act on."""

    detail: str


_WHY = {
    400: "The body cannot be read (malformed, not UTF-8, empty, or not valid gzip); kept as a dead letter.",
    401: "Missing, invalid, revoked or expired API key.",
    403: "The key lacks the scope this operation needs.",
    404: "No such resource in the key's project.",
    409: "The resource is not in a state that allows this.",
    410: "The stored page cannot be served safely (a layout from an older version): recompute it.",
    413: "The body or batch is over the ingest limits.",
    415: "Unsupported Content-Type or Content-Encoding.",
    503: "The event log did not acknowledge: nothing was accepted; retry after Retry-After.",
}


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for these error codes, each with the `Problem` body."""
    return {code: {"model": Problem, "description": _WHY[code]} for code in codes}


def invalid(location: tuple[str | int, ...], message: str) -> RequestValidationError:
    """A 422 in FastAPI's own shape, naming the field (`("query", "from")`, `("body", "ends_at")`)."""
    return RequestValidationError([{"loc": location, "msg": message, "type": "value_error"}])


def invalid_body(error: ValidationError, *prefix: str | int) -> RequestValidationError:
    """A pydantic error raised inside a handler, as the same 422 with its fields under `prefix`."""
    details = error.errors(include_url=False, include_context=False, include_input=False)
    return RequestValidationError(
        [{"loc": (*prefix, *detail["loc"]), "msg": detail["msg"], "type": detail["type"]} for detail in details]
    )


async def unprocessable(request: Request, error: RequestValidationError) -> JSONResponse:
    """FastAPI's 422, with each rejected `input` echoed only up to ECHO_LIMIT characters of its JSON."""
    return JSONResponse(status_code=422, content={"detail": [_short(detail) for detail in error.errors()]})


def _short(detail: Any) -> Any:
    encoded = jsonable_encoder(detail)
    if isinstance(encoded, dict) and "input" in encoded:
        shown = json.dumps(encoded["input"], ensure_ascii=False)
        if len(shown) > ECHO_LIMIT:
            encoded["input"] = f"{shown[:ECHO_LIMIT]}... ({len(shown)} characters, cut)"
    return encoded


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document finished: every operation that reads a body may answer 400 (a body that is not
    JSON, or not UTF-8), every one behind a key 401 and 403, and every `Problem` answer is JSON, whatever the
    operation's success media type."""
    problem = {"$ref": "#/components/schemas/Problem"}
    for operation in (op for path in schema.get("paths", {}).values() for op in path.values()):
        answers = operation.setdefault("responses", {})
        implied = [400] if "requestBody" in operation else []
        implied += [401, 403] if operation.get("security") else []
        for code in (code for code in implied if str(code) not in answers):
            answers[str(code)] = {"description": _WHY[code], "content": {"application/json": {"schema": problem}}}
        for answer in answers.values():
            if problem in [media.get("schema") for media in answer.get("content", {}).values()]:
                answer["content"] = {"application/json": {"schema": problem}}
    return schema
