// The CommonJS build loads with require() and works like the ESM one.
const assert = require("node:assert/strict");
const { test } = require("node:test");

const { Telltale, wrapOpenAI, SCHEMA_VERSION } = require("@telltale/sdk");

test("require('@telltale/sdk') gives the CommonJS build", async () => {
  assert.equal(require.resolve("@telltale/sdk").endsWith("dist/cjs/index.js"), true);
  assert.equal(SCHEMA_VERSION, 1);
  assert.equal(typeof wrapOpenAI, "function");
  const events = [];
  const telltale = new Telltale({ url: "http://127.0.0.1:1", apiKey: "k", beforeSend: (e) => (events.push(e), null) });
  const id = telltale.logInference({ model: "m", input: "q", latencyMs: 5 });
  assert.deepEqual(Object.keys(events[0]), ["schema_version", "event_id", "ts", "model", "input", "latency_ms", "status"]);
  assert.equal(events[0].event_id, id);
  assert.equal(await telltale.shutdown(100), true);
});
