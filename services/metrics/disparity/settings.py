"""Which event attributes a project watches for disparity; the detected language is always watched."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from telltale_server.schemas.store import Store

LANGUAGE = "language"
"""The dimension of the user's language, detected by the `language` evaluator (not an attribute)."""
MAX_ATTRIBUTES = 16


class DisparitySettings(BaseModel):
    """A project's watched attributes: each a key of the inference events' `attributes` (e.g. plan, locale)."""

    model_config = ConfigDict(extra="forbid")

    attributes: list[str] = Field(
        default_factory=list,
        max_length=MAX_ATTRIBUTES,
        description="Attribute keys to segment by (letters, digits, `_`, `.`, `-`; at most 64 characters each).",
    )

    @field_validator("attributes")
    @classmethod
    def _names(cls, names: list[str]) -> list[str]:
        for name in names:
            if not (0 < len(name) <= 64 and all(c.isascii() and (c.isalnum() or c in "_.-") for c in name)):
                raise ValueError(f"{name!r} is not an attribute key: letters, digits, _ . - and 1 to 64 characters")
            if name == LANGUAGE:
                raise ValueError("`language` is the detected language, always watched: name another attribute")
        if len(set(names)) != len(names):
            raise ValueError("an attribute is listed twice")
        return names

    def dimensions(self) -> list[str]:
        """What the traffic is segmented by: the language, then each watched attribute."""
        return [LANGUAGE, *self.attributes]


def load(store: Store, project_id: str) -> DisparitySettings:
    """The project's settings (none watched until it says so)."""
    rows = store.rows(
        "SELECT attributes FROM disparity_settings FINAL WHERE project_id = {p:String}", {"p": project_id}
    )
    return DisparitySettings(attributes=list(rows[0]["attributes"])) if rows else DisparitySettings()


def save(store: Store, project_id: str, settings: DisparitySettings) -> None:
    """Replace the project's settings; the next read uses them."""
    store.client().insert(
        "disparity_settings",
        [[project_id, settings.attributes, datetime.now(UTC)]],
        column_names=["project_id", "attributes", "updated_at"],
    )
