/** Telltale's emitter SDK for Node: log LLM calls and user feedback from production apps, off the hot path. */
export { Telltale, defaultClient, type BeforeSend, type Stats, type TelltaleOptions } from "./client.js";
export type { Policy } from "./batcher.js";
export {
  SCHEMA_VERSION,
  type AttributeValue,
  type ChatMessage,
  type Context,
  type FeedbackEvent,
  type FeedbackFields,
  type FeedbackKind,
  type InferenceEvent,
  type InferenceFields,
  type Kind,
  type TelltaleEvent,
  type Usage,
} from "./events.js";
export { inferenceIdOf, wrapOpenAI, type WrapOptions } from "./openai.js";
