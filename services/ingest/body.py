"""Reads a request body within the size limit, before and after decompression."""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator

from telltale_server.services.ingest.errors import IngestError


async def read_body(
    chunks: AsyncIterator[bytes], content_length: str | None, content_encoding: str | None, max_bytes: int
) -> bytes:
    """The (decompressed) body; a body over `max_bytes` is refused with 413 without being held in memory."""
    if content_length is not None and content_length.isdigit() and int(content_length) > max_bytes:
        raise IngestError(413, _too_large(int(content_length), max_bytes))
    parts, size = [], 0
    async for chunk in chunks:
        size += len(chunk)
        if size > max_bytes:
            raise IngestError(413, _too_large(size, max_bytes))
        parts.append(chunk)
    body = b"".join(parts)
    encoding = (content_encoding or "identity").strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate"):
        return _inflate(body, encoding, max_bytes)
    if encoding != "identity":
        raise IngestError(415, f"unsupported Content-Encoding {encoding!r}: send identity or gzip")
    return body


def _inflate(body: bytes, encoding: str, max_bytes: int) -> bytes:
    """Decompress with a cap, so a small compressed bomb cannot exhaust memory; a body that does not decompress is
    kept as sent."""
    window = 16 + zlib.MAX_WBITS if encoding != "deflate" else zlib.MAX_WBITS
    inflater = zlib.decompressobj(window)
    try:
        data = inflater.decompress(body, max_bytes + 1)
    except zlib.error as error:
        raise IngestError(400, f"body is not valid {encoding}: {error}", keep_body=True, body=body) from None
    if len(data) > max_bytes or inflater.unconsumed_tail:
        raise IngestError(413, f"decompressed body exceeds the limit of {max_bytes} bytes")
    if not inflater.eof:
        raise IngestError(400, f"{encoding} body is truncated", keep_body=True, body=body)
    return data


def _too_large(size: int, max_bytes: int) -> str:
    return f"body of {size} bytes exceeds the limit of {max_bytes} bytes; split it into smaller batches"
