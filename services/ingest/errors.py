"""The one error type of the ingest path: an HTTP status, a message for the client, and whether to keep the body."""

from __future__ import annotations


class IngestError(Exception):
    """A whole request refused; `keep_body` says the body was readable and belongs in the dead letters."""

    def __init__(self, status: int, message: str, keep_body: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.keep_body = keep_body
