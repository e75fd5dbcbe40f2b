"""Reads a body that `curl -d` labelled as a form as the JSON it is: no Telltale endpoint takes form data.

`curl -d '[...]'` without `-H "Content-Type: application/json"` sends `application/x-www-form-urlencoded`,
and FastAPI would then not parse the JSON at all (422) and the ingest would refuse it (415). Every other
content type is left as sent, so a truly unsupported one is still refused where it was. Keys travel in the
`Authorization` header, never in a cookie, so a browser's cross-site form post cannot use this to act as
a signed-in user.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

FORM = b"application/x-www-form-urlencoded"
JSON = b"application/json"


def relabelled(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The headers with a form content type replaced by JSON (its parameters, e.g. a charset, kept)."""
    out = []
    for name, value in headers:
        if name.lower() == b"content-type":
            media, sep, params = value.partition(b";")
            if media.strip().lower() == FORM:
                value = JSON + sep + params
        out.append((name, value))
    return out


class FormLabelledJson:
    """ASGI middleware: API requests labelled as forms are handed on labelled as JSON."""

    def __init__(self, app: ASGIApp, prefix: str = "/v1/") -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self.prefix):
            scope = {**scope, "headers": relabelled(list(scope["headers"]))}
        await self.app(scope, receive, send)
