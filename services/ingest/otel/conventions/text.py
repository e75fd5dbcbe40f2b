"""Reading the shapes conventions share: JSON-in-a-string attributes, flattened indexed keys, message parts."""

from __future__ import annotations

from typing import Any

import orjson

from telltale_server.schemas import limits


def json_value(value: Any) -> Any:
    """An attribute that may hold JSON text, parsed; other values (and text that is not JSON) as they are."""
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    return value


def indexed(attributes: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    """Flattened lists, `prefix.0.a.b = v`, as [{"a.b": v}, ...] in index order."""
    found: dict[int, dict[str, Any]] = {}
    head = prefix + "."
    start = len(head)
    for key in attributes:
        if key.startswith(head):
            index, _, rest = key[start:].partition(".")
            if index.isdigit() and rest:
                found.setdefault(int(index), {})[rest] = attributes[key]
    return [found[index] for index in sorted(found)]


def text(value: Any) -> str:
    """Readable text of a message, its content, or its parts."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if "parts" in value:
            return "\n".join(text(part) for part in value["parts"] if isinstance(part, dict))
        for key in ("content", "text"):
            if key in value:
                return text(value[key])
        return ""
    if isinstance(value, list):
        return "\n".join(part for part in (text(item) for item in value) if part)
    return "" if value is None else str(value)


def messages(value: Any, default_role: str = "user") -> list[dict[str, Any]]:
    """Messages given as JSON text or as a list: {role, content | parts: [{type, content | text}]}."""
    value = json_value(value)
    if value is None:
        return []
    if isinstance(value, str):
        return [{"role": default_role, "content": value}]
    if isinstance(value, dict):
        value = [value]
    found = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, dict):
            found.append({"role": str(item.get("role") or default_role), "content": text(item)})
        else:
            found.append({"role": default_role, "content": str(item)})
    return found


def joined(answers: list[dict[str, Any]]) -> str | None:
    """The answer text of output messages, or None when there is none."""
    return "\n".join(m["content"] for m in answers if m.get("content")) or None


def first(attributes: dict[str, Any], *keys: str) -> Any:
    """The first of these attributes that is set."""
    for key in keys:
        value = attributes.get(key)
        if value is not None and value != "":
            return value
    return None


def scalars(prefix: str, value: Any) -> dict[str, Any]:
    """A JSON object's scalar members as `prefix.key` attributes (strings cut to the attribute limit)."""
    value = json_value(value)
    if not isinstance(value, dict):
        return {}
    found: dict[str, Any] = {}
    for key, item in value.items():
        if isinstance(item, str):
            found[f"{prefix}.{key}"] = item[: limits.MAX_ATTRIBUTE_VALUE_CHARS]
        elif isinstance(item, bool | int | float) and not (isinstance(item, int) and abs(item) >= 2**63):
            found[f"{prefix}.{key}"] = item
    return found


def compact_json(value: Any) -> str:
    """A value as JSON text cut to the attribute limit."""
    return orjson.dumps(value).decode()[: limits.MAX_ATTRIBUTE_VALUE_CHARS]
