"""The OpenAI wrapper: the app gets the same objects back (streams included) and one right event per call."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import openai
import pytest

import telltale
from tests.sdk_python.openai_stub import REPLY, SERVED_MODEL, USAGE, OpenAIStub
from tests.sdk_python.support import Capture, MakeClient, stored
from tests.support.server import ROOT, TelltaleServer

MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Say hello."}]


@pytest.fixture(scope="module")
def stub() -> Iterator[OpenAIStub]:
    server = OpenAIStub().start()
    yield server
    server.stop()


def pair(stub: OpenAIStub, client: telltale.Client, cls: Any = openai.OpenAI) -> tuple[Any, Any]:
    """An untouched OpenAI client and a wrapped one, to compare what the app gets back."""
    plain = cls(base_url=stub.base_url, api_key="sk-test", max_retries=0)
    wrapped = telltale.wrap_openai(cls(base_url=stub.base_url, api_key="sk-test", max_retries=0), telltale=client)
    return plain, wrapped


def event_of(server: TelltaleServer, client: telltale.Client, event_id: str | None) -> dict[str, Any]:
    assert event_id is not None
    assert client.flush(30)
    server.wait_processed()
    detail = stored(server, event_id)
    assert detail is not None
    return detail["event"]


def dumps(items: list[Any]) -> list[tuple[type, dict[str, Any]]]:
    return [(type(item), item.model_dump()) for item in items]


def test_completion_is_unchanged_and_recorded(
    server: TelltaleServer, stub: OpenAIStub, make_client: MakeClient
) -> None:
    client = make_client()
    plain, wrapped = pair(stub, client)
    wrapped = telltale.wrap_openai(wrapped, telltale=client, route="greeting", prompt_version="p1")
    expected = plain.chat.completions.create(model="gpt-test", messages=MESSAGES)
    got = wrapped.chat.completions.create(model="gpt-test", messages=MESSAGES)
    assert type(got) is type(expected) and got.model_dump() == expected.model_dump()

    event = event_of(server, client, telltale.last_inference_id())
    assert (event["model"], event["provider"], event["output"], event["status"]) == (
        SERVED_MODEL,
        "openai",
        "".join(REPLY),
        "ok",
    )
    assert [{"role": m["role"], "content": m["content"]} for m in event["input"]] == MESSAGES
    assert event["usage"]["input_tokens"] == USAGE["prompt_tokens"]
    assert event["usage"]["output_tokens"] == USAGE["completion_tokens"]
    assert event["latency_ms"] is not None and event["latency_ms"] >= 0
    assert event["route"] is None and event["prompt_version"] is None  # a second wrap is a no-op
    assert event["attributes"]["finish_reason"] == "stop"
    assert client.stats()["logged"] == 1


def test_stream_passes_chunks_through_and_emits_when_consumed(
    server: TelltaleServer, stub: OpenAIStub, make_client: MakeClient
) -> None:
    client = make_client()
    plain, wrapped = pair(stub, client)
    options: dict[str, Any] = {"stream": True, "stream_options": {"include_usage": True}}
    expected = list(plain.chat.completions.create(model="gpt-test", messages=MESSAGES, **options))
    stream = wrapped.chat.completions.create(model="gpt-test", messages=MESSAGES, **options)
    assert isinstance(stream, openai.Stream)
    event_id = telltale.last_inference_id()
    got = list(stream)
    assert dumps(got) == dumps(expected)

    event = event_of(server, client, event_id)
    assert (event["model"], event["output"], event["status"]) == (SERVED_MODEL, "".join(REPLY), "ok")
    assert event["usage"]["total_tokens"] == USAGE["total_tokens"]
    assert "time_to_first_chunk_ms" in event["attributes"]


def test_stream_closed_early_emits_what_was_read(
    server: TelltaleServer, stub: OpenAIStub, make_client: MakeClient
) -> None:
    client = make_client()
    _, wrapped = pair(stub, client)
    with wrapped.chat.completions.create(model="gpt-test", messages=MESSAGES, stream=True) as stream:
        event_id = telltale.last_inference_id()
        next(stream)
        next(stream)
    event = event_of(server, client, event_id)
    assert event["output"] == REPLY[0]
    assert client.stats()["logged"] == 1


def test_api_error_is_raised_unchanged_and_recorded(
    server: TelltaleServer, stub: OpenAIStub, make_client: MakeClient
) -> None:
    client = make_client()
    plain, wrapped = pair(stub, client)
    with pytest.raises(openai.InternalServerError) as expected:
        plain.chat.completions.create(model="fail", messages=MESSAGES)
    with pytest.raises(openai.InternalServerError) as got:
        wrapped.chat.completions.create(model="fail", messages=MESSAGES)
    assert str(got.value) == str(expected.value)

    event = event_of(server, client, telltale.last_inference_id())
    assert (event["model"], event["status"], event["output"]) == ("fail", "error", None)
    assert event["error"].startswith("InternalServerError: ")


def test_async_client_plain_and_streaming(server: TelltaleServer, stub: OpenAIStub, make_client: MakeClient) -> None:
    client = make_client()
    plain, wrapped = pair(stub, client, openai.AsyncOpenAI)

    async def app() -> tuple[list[str | None], list[Any], list[Any]]:
        expected = await plain.chat.completions.create(model="gpt-test", messages=MESSAGES)
        got = await wrapped.chat.completions.create(model="gpt-test", messages=MESSAGES)
        assert got.model_dump() == expected.model_dump()
        ids = [telltale.last_inference_id()]
        expected_chunks = [c async for c in await plain.chat.completions.create(**streaming())]
        stream = await wrapped.chat.completions.create(**streaming())
        assert isinstance(stream, openai.AsyncStream)
        ids.append(telltale.last_inference_id())
        got_chunks = [c async for c in stream]
        assert await client.aflush(30)
        return ids, expected_chunks, got_chunks

    ids, expected_chunks, got_chunks = asyncio.run(app())
    assert dumps(got_chunks) == dumps(expected_chunks)
    for event_id in ids:
        event = event_of(server, client, event_id)
        assert (event["model"], event["output"], event["status"]) == (SERVED_MODEL, "".join(REPLY), "ok")


def streaming() -> dict[str, Any]:
    return {"model": "gpt-test", "messages": MESSAGES, "stream": True}


def test_wrapper_fields_and_capture(stub: OpenAIStub, make_client: MakeClient) -> None:
    capture = Capture()
    client = make_client(transport=capture)
    wrapped = telltale.wrap_openai(
        openai.OpenAI(base_url=stub.base_url, api_key="sk-test", max_retries=0),
        telltale=client,
        route="greeting",
        attributes={"team": "growth"},
    )
    wrapped.chat.completions.create(model="gpt-test", messages=MESSAGES)
    assert client.flush(10)
    [event] = capture.events()
    assert (event["route"], event["attributes"]["team"], event["attributes"]["finish_reason"]) == (
        "greeting",
        "growth",
        "stop",
    )


def test_importing_the_sdk_does_not_import_openai() -> None:
    script = "import sys, telltale, telltale.openai; print('openai' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
