/**
 * The v1 event contracts (`schemas/json/inference.v1.json`, `feedback.v1.json`): the camelCase fields an
 * app passes, the snake_case events that go on the wire, and the mapping between them.
 */
import { randomUUID } from "node:crypto";

export const SCHEMA_VERSION = 1;

export type Kind = "inference" | "feedback";

/** One chat message; extra keys (tool_calls, tool_call_id, ...) are sent as they are. */
export interface ChatMessage {
  role: string;
  content?: string | Array<Record<string, unknown>> | null;
  name?: string | null;
  [key: string]: unknown;
}

/** A retrieved passage the answer should be grounded in; a plain string is its text. */
export type Context = string | { text: string; id?: string | null; source?: string | null; score?: number | null };

export type AttributeValue = string | number | boolean | null;

/**
 * Token counts and cost in USD, under the wire's names (values inside usage are data, not renamed), so
 * OpenAI's `usage` object can be passed as it is: its `prompt_tokens` / `completion_tokens` are sent as
 * `input_tokens` / `output_tokens`, null counts are left out, other keys (the `*_details`) are not sent.
 */
export interface Usage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  total_tokens?: number | null;
  cost?: number | null;
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  [key: string]: unknown;
}

/** What an app tells about one LLM call. Only `model` and `input` are required. */
export interface InferenceFields {
  model: string;
  input: string | ChatMessage[];
  output?: string | null;
  /** The idempotency key; made with crypto.randomUUID() when not given. */
  eventId?: string;
  /** When the call started; now when not given. A string is sent as is. */
  ts?: Date | string | number;
  contexts?: Context[];
  usage?: Usage | null;
  latencyMs?: number | null;
  status?: "ok" | "error";
  error?: string | null;
  app?: string | null;
  route?: string | null;
  environment?: string | null;
  provider?: string | null;
  promptVersion?: string | null;
  userId?: string | null;
  sessionId?: string | null;
  traceId?: string | null;
  spanId?: string | null;
  parentSpanId?: string | null;
  tags?: string[];
  attributes?: Record<string, AttributeValue>;
}

export type FeedbackKind = "thumbs" | "rating" | "correction" | "comment" | "flag";

/** A judgement of one inference: thumbs (true/false, "up"/"down"), rating (1-5), correction, comment, flag. */
export interface FeedbackFields {
  kind: FeedbackKind;
  value?: boolean | number | string | null;
  correction?: string | null;
  comment?: string | null;
  source?: "user" | "annotator" | "system";
  /** The trace judged, when there is no inference id. */
  traceId?: string | null;
  userId?: string | null;
  eventId?: string;
  ts?: Date | string | number;
  tags?: string[];
  attributes?: Record<string, AttributeValue>;
}

/** An InferenceEvent as it goes on the wire (snake_case); fields not given are left out. */
export interface InferenceEvent {
  schema_version: number;
  event_id: string;
  ts: string;
  trace_id?: string;
  span_id?: string;
  parent_span_id?: string;
  app?: string;
  route?: string;
  environment?: string;
  model: string;
  provider?: string;
  prompt_version?: string;
  input: string | ChatMessage[];
  output?: string;
  contexts?: Array<{ text: string; id?: string | null; source?: string | null; score?: number | null }>;
  usage?: { input_tokens?: number; output_tokens?: number; total_tokens?: number; cost?: number };
  latency_ms?: number;
  status: "ok" | "error";
  error?: string;
  user_id?: string;
  session_id?: string;
  tags?: string[];
  attributes?: Record<string, AttributeValue>;
}

/** A FeedbackEvent as it goes on the wire (snake_case); fields not given are left out. */
export interface FeedbackEvent {
  schema_version: number;
  event_id: string;
  inference_id?: string;
  trace_id?: string;
  ts: string;
  kind: FeedbackKind;
  value?: boolean | number | string;
  correction?: string;
  comment?: string;
  source?: "user" | "annotator" | "system";
  user_id?: string;
  tags?: string[];
  attributes?: Record<string, AttributeValue>;
}

export type TelltaleEvent = InferenceEvent | FeedbackEvent;

/** The contract's timestamp: UTC ISO 8601 with milliseconds and a Z; strings are kept as given. */
function isoUtc(ts: Date | string | number | undefined): string {
  if (typeof ts === "string") return ts;
  return (ts === undefined ? new Date() : new Date(ts)).toISOString();
}

/** Copy the fields that were given (neither undefined nor null) under their wire names, in the given order. */
function pick(target: Record<string, unknown>, source: object, names: ReadonlyArray<readonly [string, string]>): void {
  const fields = source as Record<string, unknown>;
  for (const [camel, snake] of names) {
    if (fields[camel] != null) target[snake] = fields[camel];
  }
}

const LEADING = [
  ["traceId", "trace_id"],
  ["spanId", "span_id"],
  ["parentSpanId", "parent_span_id"],
  ["app", "app"],
  ["route", "route"],
  ["environment", "environment"],
  ["model", "model"],
  ["provider", "provider"],
  ["promptVersion", "prompt_version"],
  ["input", "input"],
  ["output", "output"],
] as const;

const USAGE = [
  ["prompt_tokens", "input_tokens"],
  ["input_tokens", "input_tokens"],
  ["completion_tokens", "output_tokens"],
  ["output_tokens", "output_tokens"],
  ["total_tokens", "total_tokens"],
  ["cost", "cost"],
] as const;

const TRAILING = [
  ["error", "error"],
  ["userId", "user_id"],
  ["sessionId", "session_id"],
] as const;

/** Build the wire InferenceEvent for a call; `defaults` (the client's app, environment) fill what is missing. */
export function inferenceEvent(fields: InferenceFields, defaults: Partial<InferenceFields> = {}): InferenceEvent {
  const given: Partial<InferenceFields> = { ...defaults, ...givenFields(fields) };
  const event: Record<string, unknown> = {
    schema_version: SCHEMA_VERSION,
    event_id: given.eventId ?? randomUUID(),
    ts: isoUtc(given.ts),
  };
  pick(event, given, LEADING);
  if (given.contexts?.length) {
    event.contexts = given.contexts.map((context) => (typeof context === "string" ? { text: context } : context));
  }
  if (given.usage) {
    const usage: Record<string, unknown> = {};
    pick(usage, given.usage, USAGE);
    if (Object.keys(usage).length) event.usage = usage;
  }
  if (given.latencyMs != null) event.latency_ms = given.latencyMs;
  event.status = given.status ?? "ok";
  pick(event, given, TRAILING);
  if (given.tags?.length) event.tags = given.tags;
  if (given.attributes && Object.keys(given.attributes).length) event.attributes = given.attributes;
  return event as unknown as InferenceEvent;
}

const FEEDBACK = [
  ["correction", "correction"],
  ["comment", "comment"],
  ["source", "source"],
  ["userId", "user_id"],
] as const;

/** Build the wire FeedbackEvent judging `inferenceId` (or, when it is null, the trace in `fields.traceId`). */
export function feedbackEvent(inferenceId: string | null | undefined, fields: FeedbackFields): FeedbackEvent {
  const event: Record<string, unknown> = {
    schema_version: SCHEMA_VERSION,
    event_id: fields.eventId ?? randomUUID(),
  };
  if (inferenceId != null) event.inference_id = inferenceId;
  if (fields.traceId != null) event.trace_id = fields.traceId;
  event.ts = isoUtc(fields.ts);
  event.kind = fields.kind;
  if (fields.value != null) event.value = fields.value;
  pick(event, fields, FEEDBACK);
  if (fields.tags?.length) event.tags = fields.tags;
  if (fields.attributes && Object.keys(fields.attributes).length) event.attributes = fields.attributes;
  return event as unknown as FeedbackEvent;
}

/** The fields that were given: undefined and null both mean "not given", as None does in the Python SDK. */
function givenFields<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v != null)) as Partial<T>;
}
