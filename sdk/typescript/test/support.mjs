// Test support: a real `telltale up` process, a capturing ingest stand-in, and small helpers.
import { spawn } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

export const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const REPO_ROOT = resolve(PACKAGE_DIR, "..", "..");
export const INGEST_KEY = "tt_ingest_test_0123456789abcdefghij";
export const ADMIN_KEY = "tt_admin_test_0123456789abcdefghijk";

const PYTHON = process.env.TELLTALE_PYTHON ?? join(REPO_ROOT, ".venv", "bin", "python");
const READY_TIMEOUT_MS = 60_000;

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createNetServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

export const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/** Poll `probe` until it returns a truthy value; fail after `timeoutMs` (a liveness bound, not a timing check). */
export async function waitFor(probe, what, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** One local-mode server over a data directory that survives stop/start, on a port that stays the same. */
export class TelltaleServer {
  static async create() {
    const server = new TelltaleServer(mkdtempSync(join(tmpdir(), "telltale-ts-")), await freePort());
    try {
      await server.start();
    } catch (error) {
      await server.close();
      throw error;
    }
    return server;
  }

  constructor(dir, port) {
    this.dir = dir;
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    this.process = undefined;
  }

  async start() {
    const log = openSync(join(this.dir, "server.log"), "a");
    const env = {
      ...process.env,
      TELLTALE_DATA_DIR: join(this.dir, "data"),
      TELLTALE_PORT: String(this.port),
      TELLTALE_INIT_PROJECT: "main",
      TELLTALE_INIT_INGEST_KEY: INGEST_KEY,
      TELLTALE_INIT_ADMIN_KEY: ADMIN_KEY,
      TELLTALE_RUNNER_IDLE_POLL_S: "0.2",
    };
    const child = spawn(PYTHON, ["-m", "telltale_server.services.cli.main", "up"], { cwd: REPO_ROOT, env, stdio: ["ignore", log, log] });
    this.process = child;
    const killOnExit = () => child.kill("SIGKILL");
    process.once("exit", killOnExit);
    child.once("exit", () => process.off("exit", killOnExit));
    const exited = new Promise((done) => child.once("exit", (code) => done(code)));
    this.exited = exited;
    let code;
    exited.then((value) => (code = value));
    await waitFor(
      async () => {
        if (code !== undefined) {
          const log = readFileSync(join(this.dir, "server.log"), "utf8").slice(-2000);
          throw new Error(`telltale up exited with ${code}; the end of its log:\n${log}`);
        }
        const response = await fetch(`${this.url}/ready`).catch(() => undefined);
        return response?.status === 200;
      },
      "telltale up to be ready",
      READY_TIMEOUT_MS,
    );
  }

  /** SIGTERM, as a process manager would, and wait for the process to end. */
  async stop() {
    if (this.process === undefined) return;
    this.process.kill("SIGTERM");
    await this.exited;
    this.process = undefined;
  }

  async close() {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  async get(path) {
    const response = await fetch(`${this.url}${path}`, { headers: { Authorization: `Bearer ${ADMIN_KEY}` } });
    return { status: response.status, body: await response.json() };
  }

  /** The stored inference event with its feedback, after the local runner caught up. */
  async inference(eventId) {
    await this.processed();
    return this.get(`/v1/inference/${eventId}`);
  }

  async processed() {
    await waitFor(async () => {
      const response = await fetch(`${this.url}/ready`);
      return (await response.json()).runner?.backlog === 0;
    }, "the runner's backlog to drain");
  }
}

/**
 * An HTTP stand-in for the ingest API that records every request (path, headers, decoded events) and
 * answers with `respond(request)` (default: 200, every event accepted).
 */
export async function captureServer(respond = accept) {
  const requests = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const body = req.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw;
      const request = { path: req.url, headers: req.headers, events: JSON.parse(body.toString("utf8")) };
      requests.push(request);
      const { status, headers = {}, json } = respond(request, requests.length);
      res.writeHead(status, { "Content-Type": "application/json", ...headers });
      res.end(JSON.stringify(json));
    });
  });
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    events: () => requests.flatMap((request) => request.events),
    close: () => new Promise((done) => server.close(done)),
  };
}

export function accept(request) {
  const items = request.events.map((event, index) => ({
    index,
    event_id: event.event_id,
    status: "accepted",
    errors: [],
  }));
  return { status: 200, json: { accepted: items.length, duplicates: 0, rejected: 0, items } };
}

/**
 * Whether a stored event is the logged one: every field sent comes back equal (`ts` as the same instant),
 * and every field not sent comes back as the contract's default (null, [], {}, "ok", "user").
 */
export function assertStoredAsLogged(assert, sent, stored) {
  for (const [key, value] of Object.entries(stored)) {
    if (!(key in sent)) {
      assert.ok(isDefault(key, value), `${key} was not logged but came back as ${JSON.stringify(value)}`);
    } else if (key === "ts") {
      assert.equal(Date.parse(value), Date.parse(sent.ts), "ts");
    } else {
      assert.deepEqual(withoutNulls(value, sent[key]), sent[key], key);
    }
  }
  for (const key of Object.keys(sent)) assert.ok(key in stored, `${key} was logged but not stored`);
}

function isDefault(key, value) {
  if (key === "status") return value === "ok";
  if (key === "source") return value === "user";
  return value === null || (Array.isArray(value) && !value.length) || (isObject(value) && !Object.keys(value).length);
}

/** The stored value without the null keys the server fills in where the sent value had none. */
function withoutNulls(stored, sent) {
  if (Array.isArray(stored) && Array.isArray(sent)) return stored.map((item, i) => withoutNulls(item, sent[i]));
  if (!isObject(stored) || !isObject(sent)) return stored;
  return Object.fromEntries(
    Object.entries(stored)
      .filter(([key, value]) => key in sent || value !== null)
      .map(([key, value]) => [key, withoutNulls(value, sent[key])]),
  );
}

function isObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
