/**
 * Records the OpenAI Node client's chat completions as InferenceEvents without changing what the app gets
 * back. Duck-typed on purpose: nothing here imports `openai`.
 */
import { randomUUID } from "node:crypto";

import { defaultClient, type Telltale } from "./client.js";
import type { AttributeValue, ChatMessage, InferenceFields, Usage } from "./events.js";

/** Fields stamped on every event of the wrapped client (route, tags, promptVersion, ...), and the client to use. */
export type WrapOptions = Omit<InferenceFields, "model" | "input" | "output" | "eventId" | "ts" | "usage"> & {
  /** The Telltale client events go to; default: the one configured from the environment. */
  telltale?: Telltale;
};

const WRAPPED = Symbol.for("telltale.wrapped");
const eventIds = new WeakMap<object, string>();

/**
 * Wrap `chat.completions.create` of an OpenAI client in place and return the same client. Each call emits
 * one event (model, messages, output, usage, latency, errors). The app gets the same promise, completion
 * and stream objects: a stream yields the same chunks, and its event is emitted once it is consumed (to
 * the end, to an error, or to a `break`).
 */
export function wrapOpenAI<T>(openai: T, options: WrapOptions = {}): T {
  const completions = (openai as { chat?: { completions?: Record<PropertyKey, unknown> } })?.chat?.completions;
  const original = completions?.create;
  if (completions === undefined || typeof original !== "function" || (original as Wrapped)[WRAPPED]) return openai;
  const { telltale = defaultClient(), ...fields } = options;
  const create: Wrapped = function (this: unknown, ...args: unknown[]): unknown {
    const params = (args[0] ?? {}) as Record<string, unknown>;
    const call = new Call(telltale, params, fields);
    let result: unknown;
    try {
      result = original.apply(this, args);
    } catch (error) {
      call.emit(error);
      throw error;
    }
    const onValue = (value: unknown): void => (params.stream ? call.watch(value) : call.complete(value));
    if (isThenable(result)) result.then(onValue, (error: unknown) => call.emit(error));
    else onValue(result);
    return result;
  };
  create[WRAPPED] = true;
  completions.create = create;
  return openai;
}

/** The event id recorded for a completion or stream returned by a wrapped client, to attach feedback to. */
export function inferenceIdOf(response: object): string | undefined {
  return eventIds.get(response);
}

type Wrapped = ((...args: unknown[]) => unknown) & { [WRAPPED]?: boolean };

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}

interface ChoiceLike {
  index?: number;
  finish_reason?: string | null;
  message?: { content?: unknown };
  delta?: { content?: unknown };
}

interface ResponseLike {
  id?: unknown;
  model?: unknown;
  choices?: ChoiceLike[];
  usage?: Usage | null;
}

/** One chat completion being recorded; emits exactly once, and never lets its own failure reach the app. */
class Call {
  private readonly eventId = randomUUID();
  private readonly ts = new Date();
  private readonly t0 = performance.now();
  private model: string;
  private readonly input: ChatMessage[];
  private readonly parts: string[] = [];
  private usage: Usage | undefined;
  private readonly attributes: Record<string, AttributeValue> = {};
  private done = false;

  constructor(
    private readonly telltale: Telltale,
    params: Record<string, unknown>,
    private readonly fields: Omit<WrapOptions, "telltale">,
  ) {
    this.model = typeof params.model === "string" ? params.model : "unknown";
    this.input = Array.isArray(params.messages) ? [...(params.messages as ChatMessage[])] : [];
  }

  complete(completion: unknown): void {
    try {
      if (completion !== null && typeof completion === "object") eventIds.set(completion, this.eventId);
      const response = completion as ResponseLike;
      this.read(response);
      const choice = response.choices?.[0];
      if (typeof choice?.message?.content === "string" && choice.message.content) {
        this.parts.push(choice.message.content);
      }
    } catch {
      // An unexpected shape records what it can; the app's result is untouched.
    }
    this.emit();
  }

  /** Route the stream's chunks through this call; the stream object stays the same. */
  watch(stream: unknown): void {
    try {
      const target = stream as { iterator?: () => AsyncIterator<unknown> } & Partial<AsyncIterable<unknown>>;
      if (typeof target.iterator === "function") {
        // openai's Stream: iteration, tee() and toReadableStream() all start from `iterator`.
        const source = target.iterator.bind(target);
        target.iterator = () => this.observe(source());
      } else if (typeof target[Symbol.asyncIterator] === "function") {
        const source = (target[Symbol.asyncIterator] as () => AsyncIterator<unknown>).bind(target);
        target[Symbol.asyncIterator] = () => this.observe(source());
      } else {
        this.emit();
        return;
      }
      eventIds.set(target, this.eventId);
    } catch {
      this.emit();
    }
  }

  emit(error?: unknown): void {
    if (this.done) return;
    this.done = true;
    const fields: InferenceFields = {
      provider: "openai",
      ...this.fields,
      eventId: this.eventId,
      ts: this.ts,
      model: this.model,
      input: this.input,
      output: this.parts.length ? this.parts.join("") : null,
      usage: this.usage ?? null,
      latencyMs: performance.now() - this.t0,
      attributes: { ...this.attributes, ...this.fields.attributes },
    };
    if (error !== undefined) {
      fields.status = this.fields.status ?? "error";
      fields.error = this.fields.error ?? errorText(error);
    }
    this.telltale.logInference(fields);
  }

  private async *observe(source: AsyncIterator<unknown>): AsyncGenerator<unknown> {
    try {
      for await (const chunk of { [Symbol.asyncIterator]: () => source }) {
        this.chunk(chunk as ResponseLike);
        yield chunk;
      }
    } catch (error) {
      this.emit(error);
      throw error;
    } finally {
      this.emit();
    }
  }

  private chunk(chunk: ResponseLike): void {
    try {
      if (!("time_to_first_chunk_ms" in this.attributes)) {
        this.attributes.time_to_first_chunk_ms = Math.round((performance.now() - this.t0) * 1000) / 1000;
      }
      this.read(chunk);
      for (const choice of chunk.choices ?? []) {
        if ((choice.index ?? 0) !== 0) continue;
        if (typeof choice.delta?.content === "string" && choice.delta.content) this.parts.push(choice.delta.content);
      }
    } catch {
      // Same as complete(): record what can be read.
    }
  }

  /** Model, response id, finish reason and usage: present on a completion and on (some) stream chunks. */
  private read(response: ResponseLike): void {
    if (typeof response.model === "string" && response.model) this.model = response.model;
    if (typeof response.id === "string" && response.id) this.attributes.response_id = response.id;
    const reason = response.choices?.find((choice) => (choice.index ?? 0) === 0)?.finish_reason;
    if (reason) this.attributes.finish_reason = String(reason);
    const usage = response.usage;
    if (usage) {
      this.usage = usage;
    }
  }
}

/** How an error reads in an event's `error` field: "BadRequestError: 400 ...", like the Python SDK's. */
function errorText(error: unknown): string {
  if (error instanceof Error) {
    const name = error.constructor?.name && error.constructor.name !== "Error" ? error.constructor.name : error.name;
    return `${name}: ${error.message}`;
  }
  return String(error);
}
