// wrapOpenAI with the real `openai` client against a local OpenAI-compatible server, events read back from telltale up.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, describe, test } from "node:test";

import OpenAI from "openai";

import { inferenceIdOf, Telltale, wrapOpenAI } from "@telltale/sdk";

import { INGEST_KEY, TelltaleServer } from "./support.mjs";

const MESSAGES = [
  { role: "system", content: "Answer briefly." },
  { role: "user", content: "Capital of France?" },
];
const COMPLETION = {
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1767225600,
  model: "gpt-4o-mini-2024-07-18",
  choices: [{ index: 0, message: { role: "assistant", content: "Paris." }, finish_reason: "stop", logprobs: null }],
  usage: { prompt_tokens: 21, completion_tokens: 2, total_tokens: 23 },
};
const chunk = (choices, extra = {}) => ({
  id: "chatcmpl-2",
  object: "chat.completion.chunk",
  created: 1767225600,
  model: "gpt-4o-mini-2024-07-18",
  choices,
  ...extra,
});
const CHUNKS = [
  chunk([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }]),
  chunk([{ index: 0, delta: { content: "Par" }, finish_reason: null }]),
  chunk([{ index: 0, delta: { content: "is." }, finish_reason: null }]),
  chunk([{ index: 0, delta: {}, finish_reason: "stop" }]),
  chunk([], { usage: { prompt_tokens: 21, completion_tokens: 2, total_tokens: 23 } }),
];

/** /v1/chat/completions: JSON, or SSE when `stream` is set; model "broken" gets a 400. Records request bodies. */
async function fakeOpenAI() {
  const bodies = [];
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (data) => (raw += data));
    req.on("end", () => {
      const body = JSON.parse(raw);
      bodies.push(body);
      if (req.url !== "/v1/chat/completions" || body.model === "broken") {
        res.writeHead(400, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ error: { message: "The model `broken` does not exist", type: "invalid_request_error" } }));
      } else if (body.stream) {
        res.writeHead(200, { "Content-Type": "text/event-stream" });
        for (const item of CHUNKS) res.write(`data: ${JSON.stringify(item)}\n\n`);
        res.end("data: [DONE]\n\n");
      } else {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify(COMPLETION));
      }
    });
  });
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  return { url: `http://127.0.0.1:${server.address().port}/v1`, bodies, close: () => server.close() };
}

describe("wrapOpenAI", () => {
  let server;
  let upstream;
  let telltale;
  const sent = new Map();

  before(async () => {
    upstream = await fakeOpenAI();
    server = await TelltaleServer.create();
    telltale = new Telltale({
      url: server.url,
      apiKey: INGEST_KEY,
      beforeSend: (event) => (sent.set(event.event_id, event), event),
      onWarning: assert.fail,
    });
  });
  after(async () => {
    await telltale?.shutdown(1000);
    upstream?.close();
    await server?.close();
  });

  const client = () =>
    wrapOpenAI(new OpenAI({ apiKey: "sk-test", baseURL: upstream.url, maxRetries: 0 }), {
      telltale,
      route: "qa",
      tags: ["wrapped"],
    });

  async function stored(id) {
    assert.ok(await telltale.flush(30_000));
    const { status, body } = await server.inference(id);
    assert.equal(status, 200);
    return body.event;
  }

  test("a completion reaches the app unchanged and is recorded", async () => {
    const openai = client();
    const completion = await openai.chat.completions.create({ model: "gpt-4o-mini", messages: MESSAGES });
    assert.deepEqual(completion, COMPLETION);
    assert.deepEqual(upstream.bodies.at(-1), { model: "gpt-4o-mini", messages: MESSAGES });
    const event = await stored(inferenceIdOf(completion));
    assert.equal(event.model, "gpt-4o-mini-2024-07-18");
    assert.equal(event.provider, "openai");
    assert.equal(event.route, "qa");
    assert.deepEqual(event.tags, ["wrapped"]);
    assert.deepEqual(
      event.input.map(({ role, content }) => ({ role, content })),
      MESSAGES,
    );
    assert.equal(event.output, "Paris.");
    assert.deepEqual(event.usage, { input_tokens: 21, output_tokens: 2, total_tokens: 23, cost: null });
    assert.equal(event.status, "ok");
    assert.equal(typeof event.latency_ms, "number");
    assert.deepEqual(event.attributes, { response_id: "chatcmpl-1", finish_reason: "stop" });
  });

  test("a stream yields the same chunks and is recorded once consumed", async () => {
    const openai = client();
    const stream = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages: MESSAGES,
      stream: true,
      stream_options: { include_usage: true },
    });
    const id = inferenceIdOf(stream);
    assert.equal(sent.has(id), false, "not emitted before it is consumed");
    const received = [];
    for await (const item of stream) received.push(item);
    assert.deepEqual(received, CHUNKS);
    const event = await stored(id);
    assert.equal(event.output, "Paris.");
    assert.deepEqual(event.usage, { input_tokens: 21, output_tokens: 2, total_tokens: 23, cost: null });
    assert.equal(event.status, "ok");
    assert.equal(event.attributes.finish_reason, "stop");
    assert.equal(typeof event.attributes.time_to_first_chunk_ms, "number");
  });

  test("a stream left early is recorded with what was read", async () => {
    const stream = await client().chat.completions.create({ model: "gpt-4o-mini", messages: MESSAGES, stream: true });
    let count = 0;
    for await (const item of stream) {
      if (++count === 2) {
        assert.deepEqual(item, CHUNKS[1]);
        break;
      }
    }
    const event = await stored(inferenceIdOf(stream));
    assert.equal(event.output, "Par");
    assert.equal(event.status, "ok");
  });

  test("an API error reaches the app unchanged and is recorded as an error", async () => {
    const before = new Set(sent.keys());
    await assert.rejects(
      client().chat.completions.create({ model: "broken", messages: MESSAGES }),
      (error) => error instanceof OpenAI.BadRequestError && error.status === 400,
    );
    const [id] = [...sent.keys()].filter((key) => !before.has(key));
    const event = await stored(id);
    assert.equal(event.model, "broken");
    assert.equal(event.status, "error");
    assert.match(event.error, /^BadRequestError: 400 The model `broken` does not exist/);
    assert.equal(event.output, null);
  });

  test("a duck-typed client works; anything else is returned untouched; wrapping twice records once", async () => {
    const response = { model: "local-llm", choices: [{ index: 0, message: { content: "hi" } }] };
    const duck = { chat: { completions: { create: async () => response } } };
    assert.equal(wrapOpenAI(wrapOpenAI(duck, { telltale }), { telltale }), duck);
    const result = await duck.chat.completions.create({ model: "local", messages: [{ role: "user", content: "hey" }] });
    assert.equal(result, response);
    const events = [...sent.values()].filter((event) => event.model === "local-llm");
    assert.equal(events.length, 1);
    assert.equal((await stored(inferenceIdOf(result))).output, "hi");
    const other = { chat: {} };
    assert.equal(wrapOpenAI(other, { telltale }), other);
    assert.deepEqual(other, { chat: {} });
  });
});
