"""How deep a JSON value nests, measured without recursion so no input can exhaust the stack."""

from __future__ import annotations

from typing import Any

import orjson


def too_deep(value: Any, limit: int) -> str | None:
    """The dotted path of the first container nested deeper than `limit` levels, or None if the value fits."""
    stack: list[tuple[Any, int, tuple[str, ...]]] = [(value, 0, ())]
    while stack:
        item, depth, path = stack.pop()
        if isinstance(item, dict):
            children = [(str(key), child) for key, child in item.items()]
        elif isinstance(item, list | tuple):
            children = [(str(index), child) for index, child in enumerate(item)]
        else:
            continue
        if depth >= limit:
            return ".".join(path) or "(top level)"
        stack.extend((child, depth + 1, (*path, key)) for key, child in children if isinstance(child, dict | list))
    return None


class _Text(bytes):
    """Encoded JSON text on the encoder's stack, told apart from the values still to encode."""


def encode(value: Any) -> bytes:
    """JSON bytes of a parsed value, however deep it nests (orjson stops at 254 levels; this never recurses)."""
    try:
        return orjson.dumps(value)
    except TypeError:
        pass
    out: list[bytes] = []
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, _Text):
            out.append(item)
        elif isinstance(item, dict):
            stack.append(_Text(b"}"))
            for position, (key, child) in enumerate(reversed(item.items())):
                stack.extend((child, _Text(orjson.dumps(str(key)) + b":")))
                if position < len(item) - 1:
                    stack.append(_Text(b","))
            stack.append(_Text(b"{"))
        elif isinstance(item, list | tuple):
            stack.append(_Text(b"]"))
            for position, child in enumerate(reversed(item)):
                stack.append(child)
                if position < len(item) - 1:
                    stack.append(_Text(b","))
            stack.append(_Text(b"["))
        else:
            out.append(orjson.dumps(item))
    return b"".join(out)
