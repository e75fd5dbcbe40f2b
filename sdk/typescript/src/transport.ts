/**
 * How a batch reaches Telltale: POST a (gzipped) JSON array to /v1/inference or /v1/feedback with the
 * built-in fetch, retrying 429, 5xx and network errors with exponential backoff and jitter. Any other 4xx
 * is final. `send` never rejects: every ending is an Outcome the client counts.
 */
import { promisify } from "node:util";
import { gzip } from "node:zlib";

import type { Kind } from "./events.js";

const gzipAsync = promisify(gzip);

const USER_AGENT = "telltale-typescript/0.1.0";

/** Bodies smaller than this are sent uncompressed: gzip would cost more than it saves. */
const COMPRESS_MIN_BYTES = 1024;

export interface RetryOptions {
  /** Retries after the first attempt before the batch is given up (and counted). */
  maxRetries: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export interface TransportOptions {
  url: string;
  apiKey: string;
  timeoutMs: number;
  compress: boolean;
  retry: RetryOptions;
}

/** What became of one batch, in the terms the client counts. */
export type Outcome =
  /** The server answered with per-item results (200, 207 or 422). */
  | { type: "delivered"; accepted: number; duplicates: number; rejected: number; error?: string }
  /** A 4xx other than 429: the whole batch was refused and is not retried. */
  | { type: "refused"; status: number; error: string }
  /** Still failing after the last retry. */
  | { type: "exhausted"; error: string }
  /** The client shut down while the batch waited for a retry. */
  | { type: "aborted"; error: string };

type Attempt = Outcome | { type: "retry"; retryAfterMs?: number; error: string };

export class HttpTransport {
  private readonly endpoint: string;

  /** `onRetry` is told of each retry as it starts, so counters move while a batch is still being retried. */
  constructor(
    private readonly options: TransportOptions,
    private readonly onRetry: () => void,
  ) {
    this.endpoint = options.url.replace(/\/+$/, "");
  }

  /** Deliver one batch of encoded events, retrying what is worth retrying, until `signal` aborts. */
  async send(kind: Kind, events: string[], signal: AbortSignal): Promise<Outcome> {
    const json = `[${events.join(",")}]`;
    const compressed = this.options.compress && json.length >= COMPRESS_MIN_BYTES;
    const body = compressed ? await gzipAsync(json, { level: 1 }) : json;
    const { maxRetries, initialBackoffMs, maxBackoffMs } = this.options.retry;
    for (let attempts = 1; ; attempts += 1) {
      if (signal.aborted) return { type: "aborted", error: "client shut down" };
      const result = await this.attempt(kind, body, compressed, signal);
      if (result.type !== "retry") return result;
      if (attempts > maxRetries) return { type: "exhausted", error: result.error };
      const ceiling = Math.min(maxBackoffMs, initialBackoffMs * 2 ** (attempts - 1));
      const backoff = ceiling / 2 + (Math.random() * ceiling) / 2;
      await sleep(Math.min(maxBackoffMs, Math.max(backoff, result.retryAfterMs ?? 0)), signal);
      if (!signal.aborted) this.onRetry();
    }
  }

  private async attempt(
    kind: Kind,
    body: string | Buffer,
    compressed: boolean,
    signal: AbortSignal,
  ): Promise<Attempt> {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.options.apiKey}`,
      "Content-Type": "application/json",
      "User-Agent": USER_AGENT,
    };
    if (compressed) headers["Content-Encoding"] = "gzip";
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), this.options.timeoutMs);
    const onAbort = (): void => timeout.abort();
    signal.addEventListener("abort", onAbort);
    try {
      const response = await fetch(`${this.endpoint}/v1/${kind}`, {
        method: "POST",
        headers,
        body,
        signal: timeout.signal,
      });
      return classify(response.status, response.headers, await response.text());
    } catch (error) {
      return { type: "retry", error: `network error: ${describe(error)}` };
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    }
  }
}

/** 200/207/422 carry per-item results; 408, 429 and 5xx are worth retrying; any other status is final. */
function classify(status: number, headers: Headers, text: string): Attempt {
  if (status === 200 || status === 207 || status === 422) {
    const result = parseResult(text);
    const rejected = count(result.rejected);
    const outcome: Outcome = {
      type: "delivered",
      accepted: count(result.accepted),
      duplicates: count(result.duplicates),
      rejected,
    };
    if (rejected) outcome.error = firstItemError(result);
    return outcome;
  }
  const error = `HTTP ${status}: ${text.slice(0, 500)}`;
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = retryAfter(headers.get("retry-after"));
    return retryAfterMs === undefined ? { type: "retry", error } : { type: "retry", retryAfterMs, error };
  }
  return { type: "refused", status, error };
}

interface IngestResult {
  accepted?: unknown;
  duplicates?: unknown;
  rejected?: unknown;
  items?: Array<{ event_id?: unknown; status?: unknown; errors?: unknown }>;
}

function parseResult(text: string): IngestResult {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object" ? (value as IngestResult) : {};
  } catch {
    return {};
  }
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

function firstItemError(result: IngestResult): string {
  const item = result.items?.find((candidate) => candidate.status === "rejected");
  return item ? `event ${String(item.event_id)} rejected: ${JSON.stringify(item.errors)}` : "events rejected";
}

/** Retry-After in seconds (the HTTP-date form is not used by Telltale), at most five minutes. */
function retryAfter(value: string | null): number | undefined {
  const seconds = value === null ? NaN : Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds, 300) * 1000 : undefined;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}

/** Wait without keeping the process alive; an abort ends the wait early. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    timer.unref();
    signal.addEventListener("abort", done);
  });
}
