"""Python SDK overhead: the caller's cost of log_inference beside an OpenTelemetry span, and the sender's throughput.

Run: `python -m bench.sdk_overhead [--calls 20000] [--events 50000]`. Prints one JSON object.
Caller costs are per call on the caller's thread (p50/p99, µs), measured in the same run, interleaved in blocks:
log_inference to a live `telltale up`, an OpenTelemetry SDK span start+end (BatchSpanProcessor, no-op exporter),
and log_inference while the server is down (nothing listening on its port). Throughput: events/s from one process,
from the first log call until `flush()` returns with every event accepted by local mode.
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

import telltale
from tests.support.server import INGEST_KEY, ROOT, TelltaleServer, free_port

MESSAGES = [
    {"role": "system", "content": "You answer questions about the refund policy, citing the passages."},
    {"role": "user", "content": "Can I return a opened item after 20 days?"},
]
OUTPUT = "Yes: opened items can be returned within 30 days if they are undamaged [1]."
USAGE = {"input_tokens": 412, "output_tokens": 23}
BLOCK = 500


class NoopExporter(SpanExporter):
    """Exports nothing, so the span's cost is the SDK's own."""

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        pass


def log_call(client: telltale.Client) -> Callable[[], Any]:
    def call() -> Any:
        return client.log_inference(
            "gpt-4o-mini", MESSAGES, OUTPUT, usage=USAGE, latency_ms=812.0, route="refunds", user_id="u-123"
        )

    return call


def span_call(provider: TracerProvider) -> Callable[[], Any]:
    tracer = provider.get_tracer("bench")

    def call() -> Any:
        tracer.start_span("chat gpt-4o-mini").end()

    return call


def interleaved(calls: dict[str, Callable[[], Any]], total: int) -> dict[str, list[int]]:
    """Time each callable `total` times, alternating blocks so all see the same machine load."""
    samples: dict[str, list[int]] = {name: [] for name in calls}
    clock = time.perf_counter_ns
    for _ in range(total // BLOCK):
        for name, call in calls.items():
            out = samples[name]
            for _ in range(BLOCK):
                start = clock()
                call()
                out.append(clock() - start)
    return samples


def percentiles(samples: list[int]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_us": round(ordered[len(ordered) // 2] / 1000, 2),
        "p99_us": round(ordered[int(len(ordered) * 0.99)] / 1000, 2),
    }


class _Sink(BaseHTTPRequestHandler):
    """Reads and gunzips a batch, then says every event was accepted."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        body = gzip.decompress(self.rfile.read(int(self.headers["Content-Length"])))
        reply = json.dumps({"accepted": body.count(b'"event_id"'), "duplicates": 0, "rejected": 0}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve_sink(port: int) -> None:
    ThreadingHTTPServer(("127.0.0.1", port), _Sink).serve_forever()


def sink_throughput(events: int) -> dict[str, Any]:
    port = free_port()
    sink = subprocess.Popen([sys.executable, "-m", "bench.sdk_overhead", "--sink", str(port)], cwd=ROOT)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.05)
        return throughput(f"http://127.0.0.1:{port}", events)
    finally:
        sink.terminate()
        sink.wait(timeout=30)


def throughput(url: str, events: int) -> dict[str, Any]:
    client = telltale.Client(url, INGEST_KEY, max_queue=events, max_batch_items=1000, flush_interval=0.05)
    call = log_call(client)
    start = time.perf_counter()
    for _ in range(events):
        call()
    logged = time.perf_counter() - start
    delivered = client.flush(300)
    elapsed = time.perf_counter() - start
    stats = client.stats()
    client.close()
    return {
        "events": events,
        "all_accepted": delivered and stats["accepted"] == events,
        "seconds": round(elapsed, 3),
        "events_per_s": round(events / elapsed),
        "logging_seconds": round(logged, 3),
        "batches": stats["batches"],
        "retries": stats["retries"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--sink", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sink:
        serve_sink(args.sink)
        return

    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(NoopExporter()))
    with tempfile.TemporaryDirectory() as tmp:
        server = TelltaleServer(Path(tmp) / "data").start()
        try:
            up = telltale.Client(server.url, INGEST_KEY)
            down = telltale.Client(f"http://127.0.0.1:{free_port()}", INGEST_KEY, max_retries=1000)
            calls = {
                "log_inference": log_call(up),
                "otel_span": span_call(provider),
                "log_inference_server_down": log_call(down),
            }
            samples = interleaved(calls, args.calls)
            down_stats = down.stats()
            up.close()
            down.close(timeout=0)
            sent = throughput(server.url, args.events)
        finally:
            server.stop()
    provider.shutdown()
    sunk = sink_throughput(args.events)

    caller = {name: percentiles(values) for name, values in samples.items()}
    ratio = caller["log_inference"]["p50_us"] / caller["otel_span"]["p50_us"]
    result = {
        "python": platform.python_version(),
        "calls": args.calls,
        "caller": caller,
        "p50_ratio_vs_otel_span": round(ratio, 3),
        "target_p50_ratio": 0.5,
        "server_down": {
            "queued": down_stats["queued"],
            "dropped_queue_full": down_stats["dropped_queue_full"],
            "retries": down_stats["retries"],
        },
        "throughput_to_local_mode": sent,
        "throughput_to_sink": sunk,
        "target_events_per_s": 20_000,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
