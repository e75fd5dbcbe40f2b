"""Telltale's emitter SDK: log LLM calls and feedback from production apps without slowing them down."""

from telltale.client import Client, default_client
from telltale.observe import Observation, last_inference_id
from telltale.openai import wrap_openai
from telltale.transport import HttpTransport, Outcome, Transport

__all__ = [
    "Client",
    "HttpTransport",
    "Observation",
    "Outcome",
    "Transport",
    "default_client",
    "last_inference_id",
    "wrap_openai",
]
__version__ = "0.1.0"
