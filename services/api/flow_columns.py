"""The export column names a dataset or queue export takes as query parameters, so an export feeds a prompt flow
batch run's inputs mapping as is."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from pydantic import ValidationError

from telltale_server.services.api.errors import invalid_body
from telltale_server.services.datasets.export.records import FlowColumns

Name = Annotated[str, Query(min_length=1, max_length=100)]


def flow_columns(
    question: Name = "question", context: Name = "context", answer: Name = "answer", ground_truth: Name = "ground_truth"
) -> FlowColumns:
    """A dependency: the four names, distinct and clear of the metadata columns, else a 422 naming them."""
    try:
        return FlowColumns(question=question, context=context, answer=answer, ground_truth=ground_truth)
    except ValidationError as error:
        raise invalid_body(error, "query") from None
