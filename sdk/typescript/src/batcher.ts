/**
 * A bounded in-memory queue of encoded events that hands batches, one at a time, to a delivery function.
 *
 * `add` never blocks and never grows the queue past its bound: past it, the oldest or the newest event is
 * dropped and counted. A batch leaves when it is full (count or bytes), when its oldest event has waited
 * `flushIntervalMs`, or when a flush asks for it. Timers are unref'd: a queue waiting for its interval
 * never keeps the process alive; `flush` does, up to its timeout.
 */
import type { Kind } from "./events.js";

export type Policy = "drop_oldest" | "drop_newest";

export interface BatcherOptions {
  maxQueue: number;
  maxBatchItems: number;
  maxBatchBytes: number;
  flushIntervalMs: number;
  policy: Policy;
}

/** Delivers one batch of encoded events of one kind; resolves when done with it (sent or given up), never rejects. */
export type Deliver = (kind: Kind, events: string[]) => Promise<void>;

interface Item {
  seq: number;
  at: number;
  json: string;
  bytes: number;
}

export class Batcher {
  private readonly queues: Record<Kind, Item[]> = { inference: [], feedback: [] };
  private seq = 0;
  private bytes = 0;
  private sending = false;
  private scheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private batchSize = 0;
  private readonly waiters = new Set<() => void>();
  /** Events dropped because the queue was full, whichever the policy dropped. */
  dropped = 0;

  constructor(
    private readonly options: BatcherOptions,
    private readonly deliver: Deliver,
  ) {}

  /** Events waiting in the queue (not counting the batch being delivered). */
  get size(): number {
    return this.queues.inference.length + this.queues.feedback.length;
  }

  /** Events in the batch being delivered (including its retries). */
  get inFlight(): number {
    return this.batchSize;
  }

  /** Queue one encoded event; false when the queue is full and the policy drops the newest (this one). */
  add(kind: Kind, json: string): boolean {
    if (this.size >= this.options.maxQueue) {
      this.dropped += 1;
      if (this.options.policy === "drop_newest") return false;
      this.dropOldest();
    }
    const bytes = Buffer.byteLength(json);
    this.queues[kind].push({ seq: this.seq++, at: Date.now(), json, bytes });
    this.bytes += bytes;
    if (this.full()) this.schedule();
    else this.arm();
    return true;
  }

  /**
   * Deliver everything queued. Resolves true once the queue is empty and nothing is in flight, false when
   * `timeoutMs` passes first (the events stay queued and delivery goes on).
   */
  flush(timeoutMs: number): Promise<boolean> {
    if (this.size === 0 && !this.sending) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (drained: boolean): void => {
        clearTimeout(timeout);
        this.waiters.delete(onIdle);
        resolve(drained);
      };
      const onIdle = (): void => done(true);
      const timeout = setTimeout(() => done(false), Math.max(0, timeoutMs));
      this.waiters.add(onIdle);
      this.schedule();
    });
  }

  /** Stop the interval timer and empty the queue; returns how many queued events were discarded. */
  close(): number {
    clearTimeout(this.timer);
    this.timer = undefined;
    const discarded = this.size;
    this.queues.inference = [];
    this.queues.feedback = [];
    this.bytes = 0;
    return discarded;
  }

  private full(): boolean {
    return this.size >= this.options.maxBatchItems || this.bytes >= this.options.maxBatchBytes;
  }

  private due(): boolean {
    if (this.size === 0) return false;
    return this.waiters.size > 0 || this.full() || Date.now() - this.oldest().at >= this.options.flushIntervalMs;
  }

  private oldest(): Item {
    const { inference, feedback } = this.queues;
    const [a, b] = [inference[0], feedback[0]];
    return a === undefined ? (b as Item) : b === undefined || a.seq < b.seq ? a : b;
  }

  private dropOldest(): void {
    const item = this.oldest();
    const kind: Kind = this.queues.inference[0] === item ? "inference" : "feedback";
    this.queues[kind].shift();
    this.bytes -= item.bytes;
  }

  /** Arm the interval timer for the oldest queued event, unless a delivery or a timer is already on its way. */
  private arm(): void {
    if (this.sending || this.scheduled || this.timer !== undefined || this.size === 0) return;
    const wait = Math.max(0, this.options.flushIntervalMs - (Date.now() - this.oldest().at));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.schedule();
    }, wait);
    this.timer.unref();
  }

  /** Start delivering on a later turn of the event loop, never on the caller's stack. */
  private schedule(): void {
    if (this.sending || this.scheduled) return;
    this.scheduled = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    setImmediate(() => {
      this.scheduled = false;
      void this.pump();
    });
  }

  private async pump(): Promise<void> {
    this.sending = true;
    while (this.due()) {
      const [kind, batch] = this.take();
      this.batchSize = batch.length;
      try {
        await this.deliver(kind, batch);
      } catch {
        // Deliver never rejects; a bug there must still not stop the queue.
      }
      this.batchSize = 0;
    }
    this.sending = false;
    if (this.size === 0) for (const onIdle of [...this.waiters]) onIdle();
    else this.arm();
  }

  /** The next batch: events of the kind whose oldest event waited longest, up to the count and byte limits. */
  private take(): [Kind, string[]] {
    const kind: Kind = this.queues.inference[0] === this.oldest() ? "inference" : "feedback";
    const queue = this.queues[kind];
    let count = 0;
    let bytes = 0;
    while (count < queue.length && count < this.options.maxBatchItems) {
      const next = (queue[count] as Item).bytes;
      if (count > 0 && bytes + next > this.options.maxBatchBytes) break;
      bytes += next;
      count += 1;
    }
    this.bytes -= bytes;
    return [kind, queue.splice(0, count).map((item) => item.json)];
  }
}
