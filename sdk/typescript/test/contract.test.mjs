// The shared contract vectors (tests/contract/vectors, read-only): each SDK call must put exactly that event on the wire.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { Telltale } from "@telltale/sdk";

import { captureServer, REPO_ROOT } from "./support.mjs";

const VECTORS = join(REPO_ROOT, "tests", "contract", "vectors");
const PLACEHOLDERS = {
  "{{uuid4}}": /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
  "{{utc_ts}}": /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/,
};

/** Python keyword names to the TypeScript options (tests/contract/README.md); values are data, never renamed. */
const camel = (name) => name.replace(/_([a-z])/g, (_, letter) => letter.toUpperCase());

function call(client, { method, args }) {
  const options = Object.fromEntries(Object.entries(args).map(([name, value]) => [camel(name), value]));
  if (method === "log_inference") return client.logInference(options);
  if (method === "log_feedback") {
    const { inferenceId, ...fields } = options;
    return client.logFeedback(inferenceId, fields);
  }
  throw new Error(`unknown method ${method}`);
}

/** `actual` with each placeholder of `expected` checked against its pattern and replaced by it. */
function resolvePlaceholders(expected, actual) {
  const resolved = { ...actual };
  for (const [key, value] of Object.entries(expected)) {
    const pattern = PLACEHOLDERS[value];
    if (pattern === undefined) continue;
    assert.match(String(actual[key]), pattern, key);
    resolved[key] = value;
  }
  return resolved;
}

describe("contract vectors", () => {
  let ingest;
  before(async () => {
    ingest = await captureServer();
  });
  after(() => ingest.close());

  const files = readdirSync(VECTORS).filter((file) => file.endsWith(".json")).sort();
  test("there are vectors to run", () => assert.ok(files.length > 0));

  for (const file of files) {
    const vector = JSON.parse(readFileSync(join(VECTORS, file), "utf8"));
    test(vector.name, async () => {
      const client = new Telltale({ url: ingest.url, apiKey: "k", ...vector.client, onWarning: assert.fail });
      const returned = call(client, vector.call);
      assert.ok(await client.shutdown(10_000));
      const sent = ingest.events().filter((event) => event.event_id === returned);
      assert.equal(sent.length, 1, "one event with the returned event_id");
      assert.deepEqual(resolvePlaceholders(vector.expected, sent[0]), vector.expected);
    });
  }
});
