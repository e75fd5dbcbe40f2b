// The sender against a scripted ingest stand-in: batching, gzip, retries, sampling, hooks, never throwing.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { Telltale } from "@telltale/sdk";

import { accept, captureServer, freePort } from "./support.mjs";

const quiet = { onWarning: () => {} };

async function withIngest(respond, body) {
  const ingest = await captureServer(respond);
  try {
    await body(ingest);
  } finally {
    await ingest.close();
  }
}

describe("sender", () => {
  test("batches by count, sends each kind to its endpoint, gzips large bodies", () =>
    withIngest(accept, async (ingest) => {
      const telltale = new Telltale({ url: `${ingest.url}/`, apiKey: "k", maxBatchItems: 10, ...quiet });
      const ids = Array.from({ length: 25 }, (_, i) => telltale.logInference({ model: "m", input: `q${i}`.repeat(20) }));
      telltale.logFeedback(ids[0], { kind: "thumbs", value: true });
      assert.ok(await telltale.shutdown(10_000));
      const inference = ingest.requests.filter((request) => request.path === "/v1/inference");
      assert.deepEqual(
        inference.map((request) => request.events.length),
        [10, 10, 5],
      );
      assert.deepEqual(
        inference.flatMap((request) => request.events.map((event) => event.event_id)),
        ids,
      );
      assert.equal(inference[0].headers["content-encoding"], "gzip");
      assert.equal(inference[0].headers.authorization, "Bearer k");
      assert.deepEqual(
        ingest.requests.filter((request) => request.path === "/v1/feedback").map((request) => request.events.length),
        [1],
      );
      assert.equal(telltale.stats().accepted, 26);
    }));

  test("batches by bytes", () =>
    withIngest(accept, async (ingest) => {
      const telltale = new Telltale({ url: ingest.url, apiKey: "k", maxBatchBytes: 3000, ...quiet });
      for (let i = 0; i < 6; i += 1) telltale.logInference({ model: "m", input: "x".repeat(1000) });
      assert.ok(await telltale.shutdown(10_000));
      assert.deepEqual(
        ingest.requests.map((request) => request.events.length),
        [2, 2, 2],
      );
    }));

  test("retries 503 and 429 (honouring Retry-After), then counts what the server said", () =>
    withIngest(
      (request, n) =>
        n === 1
          ? { status: 503, json: { detail: "busy" } }
          : n === 2
            ? { status: 429, headers: { "Retry-After": "0" }, json: { detail: "slow down" } }
            : accept(request),
      async (ingest) => {
        const telltale = new Telltale({ url: ingest.url, apiKey: "k", backoffBaseMs: 10, ...quiet });
        const id = telltale.logInference({ model: "m", input: "q" });
        assert.ok(await telltale.flush(10_000));
        assert.equal(ingest.requests.length, 3);
        assert.ok(ingest.requests.every((request) => request.events[0].event_id === id));
        const stats = telltale.stats();
        assert.deepEqual([stats.retries, stats.accepted, stats.batches], [2, 1, 1]);
        await telltale.shutdown();
      },
    ));

  test("gives up after maxRetries and counts the batch as undelivered", () =>
    withIngest(
      () => ({ status: 500, json: {} }),
      async (ingest) => {
        const warnings = [];
        const telltale = new Telltale({
          url: ingest.url,
          apiKey: "k",
          maxRetries: 2,
          backoffBaseMs: 5,
          onWarning: (message) => warnings.push(message),
        });
        telltale.logInference({ model: "m", input: "q" });
        assert.ok(await telltale.flush(10_000));
        assert.equal(ingest.requests.length, 3);
        assert.deepEqual([telltale.stats().retries, telltale.stats().droppedUndelivered], [2, 1]);
        assert.match(warnings[0], /HTTP 500/);
        await telltale.shutdown();
      },
    ));

  test("samples by inference id, and feedback follows its inference", () =>
    withIngest(accept, async (ingest) => {
      const telltale = new Telltale({ url: ingest.url, apiKey: "k", sampleRate: 0.5, ...quiet });
      const kept = "7fffffff-0000-4000-8000-000000000000";
      const dropped = "80000000-0000-4000-8000-000000000000";
      for (const eventId of [kept, dropped]) {
        telltale.logInference({ model: "m", input: "q", eventId });
        telltale.logFeedback(eventId, { kind: "flag" });
      }
      assert.ok(await telltale.shutdown(10_000));
      assert.deepEqual(
        ingest.events().map((event) => event.event_id === kept || event.inference_id === kept),
        [true, true],
      );
      assert.equal(telltale.stats().sampledOut, 2);
      assert.throws(() => new Telltale({ url: ingest.url, apiKey: "k", sampleRate: 2 }), RangeError);
    }));

  test("beforeSend can mask or drop an event; a failing hook or a circular value drops only that event", () =>
    withIngest(accept, async (ingest) => {
      const telltale = new Telltale({
        url: ingest.url,
        apiKey: "k",
        ...quiet,
        beforeSend: (event) => {
          if (event.input === "drop me") return null;
          if (event.input === "throw") throw new Error("hook bug");
          return { ...event, input: event.input.replace(/\d{4}/g, "####") };
        },
      });
      const circular = {};
      circular.self = circular;
      telltale.logInference({ model: "m", input: "card 1234" });
      telltale.logInference({ model: "m", input: "drop me" });
      telltale.logInference({ model: "m", input: "throw" });
      telltale.logInference({ model: "m", input: "c", attributes: circular });
      assert.ok(await telltale.shutdown(10_000));
      assert.deepEqual(
        ingest.events().map((event) => event.input),
        ["card ####"],
      );
      const stats = telltale.stats();
      assert.deepEqual([stats.logged, stats.droppedBeforeSend, stats.droppedUnencodable], [1, 1, 2]);
    }));

  test("log calls never throw, whatever they are given", () =>
    withIngest(accept, async (ingest) => {
      const telltale = new Telltale({ url: ingest.url, apiKey: "k", ...quiet });
      assert.equal(typeof telltale.logInference(undefined), "string");
      assert.equal(typeof telltale.logFeedback(42, null), "string");
      assert.equal(typeof telltale.logInference({ model: "m", input: "q", eventId: 7 }), "number");
      assert.ok(await telltale.shutdown(10_000));
    }));

  test("shutdown gives up on an unreachable server, counts what is lost, and drops later events", async () => {
    const telltale = new Telltale({ url: `http://127.0.0.1:${await freePort()}`, apiKey: "k", ...quiet });
    telltale.logInference({ model: "m", input: "q" });
    telltale.logInference({ model: "m", input: "q" });
    assert.equal(await telltale.shutdown(200), false);
    telltale.logInference({ model: "m", input: "late" });
    const stats = telltale.stats();
    assert.deepEqual([stats.droppedUndelivered, stats.queued], [3, 0]);
    assert.equal(await telltale.shutdown(), true);
  });

  test("configuration comes from the environment; missing configuration throws at construction only", () => {
    const saved = { ...process.env };
    try {
      delete process.env.TELLTALE_URL;
      assert.throws(() => new Telltale(), /TELLTALE_URL/);
      Object.assign(process.env, { TELLTALE_URL: "http://127.0.0.1:1", TELLTALE_API_KEY: "k", TELLTALE_APP: "env-app" });
      const telltale = new Telltale(quiet);
      const events = [];
      const spy = new Telltale({ ...quiet, beforeSend: (event) => (events.push(event), null) });
      spy.logInference({ model: "m", input: "q" });
      assert.equal(events[0].app, "env-app");
      return Promise.all([telltale.shutdown(0), spy.shutdown(0)]);
    } finally {
      process.env = saved;
    }
  });
});
