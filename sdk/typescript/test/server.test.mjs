// Against a real `telltale up`: what is logged is stored as logged; outages, full queues and 4xx are handled and counted.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";

import { Telltale } from "@telltale/sdk";

import { assertStoredAsLogged, freePort, INGEST_KEY, PACKAGE_DIR, TelltaleServer, waitFor } from "./support.mjs";

const run = promisify(execFile);

describe("against telltale up", () => {
  let server;
  const clients = [];

  /** A client on the test server that records each event it sends, by id, and collects its warnings. */
  function client(options = {}) {
    const sent = new Map();
    const warnings = [];
    const telltale = new Telltale({
      url: server.url,
      apiKey: INGEST_KEY,
      beforeSend: (event) => (sent.set(event.event_id, event), event),
      onWarning: (message) => warnings.push(message),
      ...options,
    });
    clients.push(telltale);
    return { telltale, sent, warnings };
  }

  before(async () => {
    server = await TelltaleServer.create();
  });
  after(async () => {
    await Promise.all(clients.map((telltale) => telltale.shutdown(1000)));
    await server?.close();
  });

  test("inference and feedback events arrive exactly as logged", async () => {
    const { telltale, sent } = client({ app: "shop", environment: "test" });
    const id = telltale.logInference({
      model: "gpt-4o-mini",
      provider: "openai",
      promptVersion: "answer-v3",
      route: "qa",
      input: [
        { role: "system", content: "Answer briefly." },
        { role: "user", content: [{ type: "text", text: "Capitale de la France ? 🇫🇷" }] },
      ],
      output: "Paris.",
      contexts: ["Paris is the capital of France.", { id: "doc-2", text: "France is in Europe.", score: 0.5 }],
      usage: { prompt_tokens: 21, completion_tokens: 2, total_tokens: 23, cost: 0.0001 },
      latencyMs: 412.5,
      userId: "u-1",
      sessionId: "s-1",
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: "00f067aa0ba902b7",
      tags: ["beta"],
      attributes: { temperature: 0.2, cached: false, tenant: "acme" },
    });
    const thumbs = telltale.logFeedback(id, { kind: "thumbs", value: false, userId: "u-1" });
    const correction = telltale.logFeedback(id, { kind: "correction", correction: "Paris.", source: "annotator" });
    assert.ok(await telltale.flush(30_000));
    assert.equal(telltale.stats().accepted, 3);

    const { status, body } = await server.inference(id);
    assert.equal(status, 200);
    assertStoredAsLogged(assert, sent.get(id), body.event);
    assert.deepEqual(body.event.contexts, [
      { id: null, text: "Paris is the capital of France.", source: null, score: null },
      { id: "doc-2", text: "France is in Europe.", source: null, score: 0.5 },
    ]);
    const feedback = new Map(body.feedback.map(({ feedback }) => [feedback.event_id, feedback]));
    assert.deepEqual([...feedback.keys()].sort(), [thumbs, correction].sort());
    assertStoredAsLogged(assert, sent.get(thumbs), feedback.get(thumbs));
    assertStoredAsLogged(assert, sent.get(correction), feedback.get(correction));
  });

  test("server down: events stay queued, then are delivered once when it is back on the same port", async () => {
    const route = `outage-${randomUUID().slice(0, 8)}`;
    const { telltale, warnings } = client({ flushIntervalMs: 50, backoffBaseMs: 50, backoffMaxMs: 400, maxRetries: 1000 });
    await server.stop();
    let ids;
    let feedback;
    try {
      ids = Array.from({ length: 20 }, (_, i) => telltale.logInference({ model: "m", input: `q${i}`, route }));
      feedback = ids.slice(0, 5).map((id) => telltale.logFeedback(id, { kind: "rating", value: 4 }));
      await waitFor(() => telltale.stats().retries >= 2, "retries while the server is down");
      const down = telltale.stats();
      assert.equal(down.queued + down.inFlight, 25);
      assert.equal(down.accepted, 0);
      assert.equal(warnings.length, 0, "retries are not failures");
    } finally {
      await server.start();
    }
    assert.ok(await telltale.flush(30_000));
    const stats = telltale.stats();
    assert.equal(stats.accepted + stats.duplicates, 25);
    assert.equal(stats.droppedUndelivered + stats.droppedRefused + stats.rejected, 0);
    for (const [i, id] of ids.entries()) {
      const { status, body } = await server.inference(id);
      assert.equal(status, 200);
      assert.equal(body.event.input, `q${i}`);
      assert.equal(body.feedback.length, i < 5 ? 1 : 0);
      if (i < 5) assert.equal(body.feedback[0].feedback.event_id, feedback[i]);
    }
    const summary = await server.get("/v1/metrics/summary?group_by=route");
    assert.deepEqual(
      summary.body.rows.filter((row) => row.group === route).map((row) => row.count),
      [20],
      "stored once each",
    );
  });

  for (const policy of ["drop_newest", "drop_oldest"]) {
    test(`queue full: ${policy} applies and is counted`, async () => {
      const { telltale } = client({ maxQueue: 5, policy, flushIntervalMs: 60_000, maxBatchItems: 100 });
      const ids = Array.from({ length: 8 }, (_, i) => telltale.logInference({ model: "m", input: `${policy} ${i}` }));
      const full = telltale.stats();
      assert.equal(full.droppedQueueFull, 3);
      assert.equal(full.queued, 5);
      assert.equal(full.logged, policy === "drop_newest" ? 5 : 8);
      assert.ok(await telltale.flush(30_000));
      assert.equal(telltale.stats().accepted, 5);
      const kept = policy === "drop_newest" ? ids.slice(0, 5) : ids.slice(3);
      for (const id of ids) {
        const { status } = await server.inference(id);
        assert.equal(status, kept.includes(id) ? 200 : 404, id);
      }
    });
  }

  test("a batch refused with 401 is not retried, and counted", async () => {
    const { telltale, warnings } = client({ apiKey: "tt_ingest_wrong_0123456789abcdefghij", backoffBaseMs: 10 });
    const ids = [1, 2, 3].map((i) => telltale.logInference({ model: "m", input: `refused ${i}` }));
    assert.ok(await telltale.flush(30_000));
    const stats = telltale.stats();
    assert.equal(stats.droppedRefused, 3);
    assert.equal(stats.retries, 0);
    assert.equal(stats.batches, 1);
    assert.equal(stats.accepted, 0);
    assert.match(warnings.join("\n"), /HTTP 401/);
    assert.equal((await server.inference(ids[0])).status, 404);
  });

  test("an event the server rejects (422) is counted as rejected, not retried; the others are stored", async () => {
    const { telltale, warnings } = client({ backoffBaseMs: 10 });
    const id = telltale.logInference({ model: "m", input: "rated" });
    telltale.logFeedback(id, { kind: "rating", value: 9 });
    const good = telltale.logFeedback(id, { kind: "rating", value: 5 });
    assert.ok(await telltale.flush(30_000));
    const stats = telltale.stats();
    assert.deepEqual([stats.accepted, stats.rejected, stats.retries], [2, 1, 0]);
    assert.match(warnings.join("\n"), /rejected/);
    const { body } = await server.inference(id);
    assert.deepEqual(
      body.feedback.map(({ feedback }) => feedback.event_id),
      [good],
    );
  });

  test("events logged just before the process ends are delivered on beforeExit", async () => {
    const script = `
      import { Telltale } from "@telltale/sdk";
      const telltale = new Telltale({ url: process.argv[1], apiKey: process.argv[2], flushIntervalMs: 60000 });
      console.log(telltale.logInference({ model: "m", input: "at exit" }));
    `;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script, server.url, INGEST_KEY], {
      cwd: PACKAGE_DIR,
      timeout: 30_000,
    });
    const { status, body } = await server.inference(stdout.trim());
    assert.equal(status, 200);
    assert.equal(body.event.input, "at exit");
  });

  test("an unreachable server never keeps the process alive", async () => {
    const deadUrl = `http://127.0.0.1:${await freePort()}`;
    const script = `
      import { Telltale } from "@telltale/sdk";
      const telltale = new Telltale({
        url: process.argv[1], apiKey: "k", maxRetries: 1000, shutdownTimeoutMs: 300, onWarning: () => {},
      });
      telltale.logInference({ model: "m", input: "lost" });
      process.on("exit", () => console.log(JSON.stringify(telltale.stats())));
    `;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script, deadUrl], {
      cwd: PACKAGE_DIR,
      timeout: 30_000,
    });
    const stats = JSON.parse(stdout);
    assert.equal(stats.accepted, 0);
    assert.equal(stats.queued + stats.inFlight, 1);
  });
});
