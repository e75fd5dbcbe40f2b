"""The one error type of the ingest path: an HTTP status, a message for the client, and whether to keep the body."""

from __future__ import annotations


class IngestError(Exception):
    """A whole request refused; `keep_body` says the body was readable and belongs in the dead letters.

    `body` is what to keep when it is not the decoded request body: the bytes as sent, e.g. gzip that did not
    decompress.
    """

    def __init__(self, status: int, message: str, keep_body: bool = False, body: bytes | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.keep_body = keep_body
        self.body = body
