/**
 * The app-facing client: builds v1 events on the caller's turn of the event loop, encodes them, and hands
 * them to the batcher. Log calls never throw and never wait; what does not reach Telltale is counted.
 */
import { randomUUID } from "node:crypto";

import { Batcher, type Policy } from "./batcher.js";
import {
  feedbackEvent,
  inferenceEvent,
  type FeedbackFields,
  type InferenceFields,
  type Kind,
  type TelltaleEvent,
} from "./events.js";
import { HttpTransport, type Outcome } from "./transport.js";

/** The ingest API's limit of events per request. */
const MAX_BATCH_ITEMS = 1000;
const SAMPLE_SPACE = 2 ** 32;
/** How long shutdown waits for an aborted request to end and be counted. */
const ABORT_GRACE_MS = 1000;

/** Sees every event before it is queued: return it (changed or not) to send it, null to drop it. */
export type BeforeSend = (event: TelltaleEvent, kind: Kind) => TelltaleEvent | null | undefined;

export interface TelltaleOptions {
  /** Base URL of the Telltale server; default TELLTALE_URL. */
  url?: string;
  /** An API key with the ingest scope; default TELLTALE_API_KEY. */
  apiKey?: string;
  /** Stamped on every inference event that does not name one; default TELLTALE_APP. */
  app?: string;
  /** Stamped on every inference event that does not name one; default TELLTALE_ENVIRONMENT. */
  environment?: string;
  /** Share of inference events kept, 0..1, decided by event id so feedback follows its inference (default 1). */
  sampleRate?: number;
  beforeSend?: BeforeSend;
  /** Most events held in memory (default 10,000); past it `policy` drops one and counts it. */
  maxQueue?: number;
  /** Which event goes when the queue is full (default "drop_oldest"). */
  policy?: Policy;
  /** Most events per request, 1..1000 (default 500). */
  maxBatchItems?: number;
  /** Most bytes of JSON per request before compression (default 4 MiB; the server takes 8 MiB). */
  maxBatchBytes?: number;
  /** Longest an event waits for its batch to fill (default 1000 ms). */
  flushIntervalMs?: number;
  /** Retries of a batch after 429, 5xx or a network error before it is given up (default 8). */
  maxRetries?: number;
  /** First retry delay; it doubles per retry, with jitter (default 500 ms). */
  backoffBaseMs?: number;
  /** Longest retry delay (default 30,000 ms). */
  backoffMaxMs?: number;
  /** Per-request timeout (default 10,000 ms). */
  timeoutMs?: number;
  /** Gzip request bodies of 1 KiB and more (default true). */
  compress?: boolean;
  /** How long the flush on `beforeExit` and `shutdown()` wait by default (default 5000 ms). */
  shutdownTimeoutMs?: number;
  /** Where failures are reported (default: process.emitWarning with type "TelltaleWarning"). */
  onWarning?: (message: string) => void;
}

/** Counters since the client was made, plus what is queued or being sent now. */
export interface Stats {
  /** Events queued for sending. */
  logged: number;
  sampledOut: number;
  droppedQueueFull: number;
  droppedBeforeSend: number;
  /** Events that could not be built or encoded (e.g. a circular attribute), or whose beforeSend threw. */
  droppedUnencodable: number;
  /** Events of batches refused as a whole with a 4xx other than 429: never retried. */
  droppedRefused: number;
  /** Events given up after the last retry, or still queued at shutdown, or logged after it. */
  droppedUndelivered: number;
  accepted: number;
  duplicates: number;
  /** Events the server refused one by one (it keeps them as dead letters). */
  rejected: number;
  /** Requests answered with per-item results or refused. */
  batches: number;
  retries: number;
  queued: number;
  inFlight: number;
}

type Counter = Exclude<keyof Stats, "droppedQueueFull" | "queued" | "inFlight">;

export class Telltale {
  private readonly app: string | undefined;
  private readonly environment: string | undefined;
  private readonly threshold: number;
  private readonly beforeSend: BeforeSend | undefined;
  private readonly shutdownTimeoutMs: number;
  private readonly warn: (message: string) => void;
  private readonly transport: HttpTransport;
  private readonly batcher: Batcher;
  private readonly aborter = new AbortController();
  private readonly counts: Record<Counter, number> = {
    logged: 0,
    sampledOut: 0,
    droppedBeforeSend: 0,
    droppedUnencodable: 0,
    droppedRefused: 0,
    droppedUndelivered: 0,
    accepted: 0,
    duplicates: 0,
    rejected: 0,
    batches: 0,
    retries: 0,
  };
  private closed = false;
  /** `logged` when the last exit flush started: flush again on `beforeExit` only if events came since. */
  private loggedAtExitFlush = 0;
  private readonly onBeforeExit = (): void => {
    if (this.counts.logged === this.loggedAtExitFlush) return;
    this.loggedAtExitFlush = this.counts.logged;
    void this.flush(this.shutdownTimeoutMs);
  };

  /** Configuration errors (no url or key, a rate outside 0..1) throw here, once, never from a log call. */
  constructor(options: TelltaleOptions = {}) {
    const env = process.env;
    const url = options.url ?? env.TELLTALE_URL;
    const apiKey = options.apiKey ?? env.TELLTALE_API_KEY;
    if (!url || !apiKey) throw new Error("telltale needs url and apiKey (or TELLTALE_URL and TELLTALE_API_KEY)");
    const sampleRate = options.sampleRate ?? 1;
    if (!(sampleRate >= 0 && sampleRate <= 1)) throw new RangeError("sampleRate must lie in 0..1");
    const maxBatchItems = options.maxBatchItems ?? 500;
    if (!(maxBatchItems >= 1 && maxBatchItems <= MAX_BATCH_ITEMS)) {
      throw new RangeError(`maxBatchItems must be 1..${MAX_BATCH_ITEMS}`);
    }
    const policy = options.policy ?? "drop_oldest";
    if (policy !== "drop_oldest" && policy !== "drop_newest") {
      throw new RangeError(`policy must be drop_oldest or drop_newest, not ${String(policy)}`);
    }
    this.app = options.app ?? env.TELLTALE_APP;
    this.environment = options.environment ?? env.TELLTALE_ENVIRONMENT;
    this.threshold = Math.floor(sampleRate * SAMPLE_SPACE);
    this.beforeSend = options.beforeSend;
    this.shutdownTimeoutMs = options.shutdownTimeoutMs ?? 5000;
    this.warn = options.onWarning ?? ((message) => process.emitWarning(message, "TelltaleWarning"));
    this.transport = new HttpTransport(
      {
      url,
      apiKey,
      timeoutMs: options.timeoutMs ?? 10_000,
      compress: options.compress ?? true,
      retry: {
        maxRetries: options.maxRetries ?? 8,
        initialBackoffMs: options.backoffBaseMs ?? 500,
        maxBackoffMs: options.backoffMaxMs ?? 30_000,
      },
      },
      () => (this.counts.retries += 1),
    );
    this.batcher = new Batcher(
      {
        maxQueue: Math.max(1, options.maxQueue ?? 10_000),
        maxBatchItems,
        maxBatchBytes: options.maxBatchBytes ?? 4 * 1024 * 1024,
        flushIntervalMs: options.flushIntervalMs ?? 1000,
        policy,
      },
      (kind, events) => this.deliver(kind, events),
    );
    process.on("beforeExit", this.onBeforeExit);
  }

  /** Queue one InferenceEvent and return its event id, for feedback to refer to. */
  logInference(fields: InferenceFields): string {
    const eventId = fields?.eventId ?? randomUUID();
    this.submit("inference", eventId, () =>
      inferenceEvent({ ...fields, eventId }, { app: this.app, environment: this.environment }),
    );
    return eventId;
  }

  /** Queue one FeedbackEvent on an inference (by its event id, or by `fields.traceId`) and return its id. */
  logFeedback(inferenceId: string | null | undefined, fields: FeedbackFields): string {
    const eventId = fields?.eventId ?? randomUUID();
    this.submit("feedback", inferenceId ?? undefined, () => feedbackEvent(inferenceId, { ...fields, eventId }));
    return eventId;
  }

  /** Counters since the client was made: what was logged, dropped (by reason), accepted, rejected, retried. */
  stats(): Stats {
    const { dropped, size, inFlight } = this.batcher;
    return { ...this.counts, droppedQueueFull: dropped, queued: size, inFlight };
  }

  /**
   * Send everything queued. Resolves true when it was all sent (or given up and counted), false when
   * `timeoutMs` came first; holds the process up to `timeoutMs`, never rejects.
   */
  flush(timeoutMs = this.shutdownTimeoutMs): Promise<boolean> {
    return this.batcher.flush(timeoutMs);
  }

  /**
   * Flush, then stop: a batch still waiting for a retry is given up and what is still queued is dropped,
   * both counted as droppedUndelivered, as is anything logged afterwards. Safe to call twice.
   */
  async shutdown(timeoutMs = this.shutdownTimeoutMs): Promise<boolean> {
    if (this.closed) return true;
    this.closed = true;
    process.off("beforeExit", this.onBeforeExit);
    const drained = await this.batcher.flush(timeoutMs);
    if (drained) return true;
    const left = this.batcher.close();
    this.counts.droppedUndelivered += left;
    if (left) this.warn(`telltale: shut down with ${left} queued events undelivered`);
    this.aborter.abort();
    await this.batcher.flush(ABORT_GRACE_MS);
    return false;
  }

  /** Sampling by id, the same rule as the Python SDK: the id's first 32 bits against the rate. */
  private sampled(id: string | undefined): boolean {
    if (this.threshold >= SAMPLE_SPACE || id === undefined) return true;
    const prefix = Number.parseInt(String(id).slice(0, 8), 16);
    return Number.isNaN(prefix) || prefix < this.threshold;
  }

  /**
   * Sample (by `sampleId`, the inference's id), build, filter and encode one event, then queue it. Nothing
   * here throws: a failure drops (and counts) only this event.
   */
  private submit(kind: Kind, sampleId: string | undefined, build: () => TelltaleEvent): void {
    if (this.closed) {
      this.counts.droppedUndelivered += 1;
      return;
    }
    let json: string;
    try {
      if (!this.sampled(sampleId)) {
        this.counts.sampledOut += 1;
        return;
      }
      let event: TelltaleEvent | null | undefined = build();
      if (this.beforeSend !== undefined) {
        event = this.beforeSend(event, kind);
        if (event == null) {
          this.counts.droppedBeforeSend += 1;
          return;
        }
      }
      json = JSON.stringify(event);
    } catch (error) {
      this.counts.droppedUnencodable += 1;
      this.warn(`telltale: dropped a ${kind} event: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    if (this.batcher.add(kind, json)) this.counts.logged += 1;
  }

  private async deliver(kind: Kind, events: string[]): Promise<void> {
    const outcome: Outcome = await this.transport.send(kind, events, this.aborter.signal);
    const counts = this.counts;
    switch (outcome.type) {
      case "delivered":
        counts.batches += 1;
        counts.accepted += outcome.accepted;
        counts.duplicates += outcome.duplicates;
        counts.rejected += outcome.rejected;
        break;
      case "refused":
        counts.batches += 1;
        counts.droppedRefused += events.length;
        break;
      case "exhausted":
      case "aborted":
        counts.droppedUndelivered += events.length;
        break;
    }
    if (outcome.error !== undefined) this.warn(`telltale: ${kind} batch of ${events.length}: ${outcome.error}`);
  }
}

let shared: Telltale | undefined;

/** The process-wide client configured from the environment (TELLTALE_URL, TELLTALE_API_KEY), made on first use. */
export function defaultClient(): Telltale {
  shared ??= new Telltale();
  return shared;
}
