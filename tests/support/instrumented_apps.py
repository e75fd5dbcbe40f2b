"""Apps instrumented by the real OpenInference and OpenLLMetry libraries, run in a process of their own: the
instrumentors patch the openai package for good (uninstrumenting leaves stream wrappers behind), so no test
process may import them. `python -m tests.support.instrumented_apps APP OUT` runs APP against OPENAI_BASE_URL and
writes its spans' OTLP export request to OUT; with OTEL_EXPORTER_OTLP_TRACES_ENDPOINT set it also exports each span
as it ends, as an app with the SDK's OTLP exporter does."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tests.support.otel import Recorder, body

ROOT = Path(__file__).resolve().parents[2]


def openinference_rag(recorder: Recorder) -> None:
    """A LangChain retriever feeding an OpenAI chat call, with session, user, metadata, tags and prompt version."""
    from langchain_core.runnables import RunnableLambda
    from openai import OpenAI
    from openinference.instrumentation import using_attributes
    from openinference.instrumentation.langchain import LangChainInstrumentor
    from openinference.instrumentation.openai import OpenAIInstrumentor

    from tests.support.otel import Refunds

    OpenAIInstrumentor().instrument(tracer_provider=recorder.provider)
    LangChainInstrumentor().instrument(tracer_provider=recorder.provider)
    client = OpenAI()

    def answer(question: str) -> str:
        passages = Refunds().invoke(question)
        reply = client.chat.completions.create(
            model="gpt-4o-mini",
            temperature=0.2,
            messages=[
                {"role": "system", "content": f"Answer from: {passages[0].page_content}"},
                {"role": "user", "content": question},
            ],
        )
        return reply.choices[0].message.content or ""

    attributes = using_attributes(
        session_id="s-42",
        user_id="u-7",
        metadata={"tenant": "acme"},
        tags=["rag", "beta"],
        prompt_template_version="answer-v4",
    )
    with attributes, recorder.tracer.start_as_current_span("POST /answer"):
        RunnableLambda(answer).invoke("How long do refunds take?")


def openinference_completion_and_tools(recorder: Recorder) -> None:
    """A legacy completion, then a chat call the server answers with a tool call."""
    from openai import OpenAI
    from openinference.instrumentation.openai import OpenAIInstrumentor

    OpenAIInstrumentor().instrument(tracer_provider=recorder.provider)
    client = OpenAI()
    client.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say hi")
    client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Where is refund 7?"}])


def openllmetry_chat(recorder: Recorder) -> None:
    """One chat call through OpenLLMetry's OpenAI instrumentor."""
    from openai import OpenAI
    from opentelemetry.instrumentation.openai import OpenAIInstrumentor

    OpenAIInstrumentor().instrument(tracer_provider=recorder.provider)
    OpenAI().chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Refunds?"}])


APPS: dict[str, Callable[[Recorder], None]] = {
    "openinference_rag": openinference_rag,
    "openinference_completion_and_tools": openinference_completion_and_tools,
    "openllmetry_chat": openllmetry_chat,
}


def record(app: str, llm_url: str, out: Path, **env: str) -> bytes:
    """Run the app in its own process against the OpenAI-compatible server at `llm_url`; its export request."""
    variables = {**os.environ, "OPENAI_BASE_URL": llm_url, "OPENAI_API_KEY": "sk-test", **env}
    command = [sys.executable, "-m", "tests.support.instrumented_apps", app, str(out)]
    done = subprocess.run(command, cwd=ROOT, env=variables, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return out.read_bytes()


def main() -> None:
    app, out = sys.argv[1], Path(sys.argv[2])
    recorder = Recorder()
    if os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor

        recorder.provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter()))
    APPS[app](recorder)
    recorder.provider.shutdown()
    out.write_bytes(body(recorder.spans()))


if __name__ == "__main__":
    main()
