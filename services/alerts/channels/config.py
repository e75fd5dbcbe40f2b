"""Channel settings as rules store them; secrets are write-only and shown redacted everywhere else."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, SecretStr, SerializationInfo, WithJsonSchema, field_serializer

PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
MASK = "**********"
Masked = WithJsonSchema(
    {"type": "string", "const": MASK, "description": "Write-only: always shown masked."}, mode="serialization"
)
"""What a response says of a secret: the mask, never the value (and never its write-side length limits)."""


def _reveal(secret: SecretStr, info: SerializationInfo) -> str:
    """The secret only for storage (context {"reveal": True}); a mask for everyone else."""
    return secret.get_secret_value() if (info.context or {}).get("reveal") else MASK


class WebhookChannel(BaseModel):
    """Generic JSON POST, signed with HMAC-SHA256 over `<t>.<body>` in the `Telltale-Signature` header."""

    type: Literal["webhook"] = "webhook"
    url: str = Field(description="http(s) URL that receives the JSON.")
    secret: Annotated[SecretStr, Masked] = Field(min_length=16, description="Signing secret (write-only).")
    send_resolved: bool = True

    @field_serializer("secret")
    def _secret(self, secret: SecretStr, info: SerializationInfo) -> str:
        return _reveal(secret, info)

    @property
    def target(self) -> str:
        return self.url


class SlackChannel(BaseModel):
    """A Slack incoming webhook; its URL is the credential, so it is write-only too."""

    type: Literal["slack"] = "slack"
    url: Annotated[SecretStr, Masked] = Field(description="The incoming-webhook URL (write-only).")
    send_resolved: bool = True

    @field_serializer("url")
    def _url(self, url: SecretStr, info: SerializationInfo) -> str:
        return _reveal(url, info)

    @property
    def target(self) -> str:
        return self.url.get_secret_value()


class PagerDutyChannel(BaseModel):
    """PagerDuty Events API v2: trigger and resolve, one dedup_key per alert."""

    type: Literal["pagerduty"] = "pagerduty"
    routing_key: Annotated[SecretStr, Masked] = Field(description="The integration's routing key (write-only).")
    url: str = PAGERDUTY_EVENTS_URL
    send_resolved: bool = True

    @field_serializer("routing_key")
    def _key(self, key: SecretStr, info: SerializationInfo) -> str:
        return _reveal(key, info)

    @property
    def target(self) -> str:
        return self.url


Channel = Annotated[WebhookChannel | SlackChannel | PagerDutyChannel, Field(discriminator="type")]


def describe(channel: Channel, index: int) -> str:
    """A name for the channel safe to log and to return: its position, type and host, never a secret."""
    return f"{index}:{channel.type}:{urlsplit(channel.target).hostname or '?'}"


def secrets(channel: Channel) -> list[str]:
    """The channel's key material: the signing secret, the routing key, or Slack's URL and its token path."""
    if isinstance(channel, WebhookChannel):
        return [channel.secret.get_secret_value()]
    if isinstance(channel, PagerDutyChannel):
        return [channel.routing_key.get_secret_value()]
    path = urlsplit(channel.target).path
    return [channel.target, *([path] if len(path) > 1 else [])]


def redact(channel: Channel, text: str) -> str:
    """Text that may echo what was sent (a receiver's error), with the channel's secrets masked."""
    for secret in secrets(channel):
        text = text.replace(secret, MASK)
    return text
