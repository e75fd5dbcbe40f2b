// Compiled (not run) by `npm run typecheck`: the published .d.ts files type the README's usage.
import OpenAI from "openai";

import { inferenceIdOf, Telltale, wrapOpenAI, type InferenceEvent, type Stats } from "@telltale/sdk";

export async function usage(): Promise<Stats> {
  const telltale = new Telltale({
    url: "http://127.0.0.1:8600",
    apiKey: "tt_ingest_...",
    app: "support-bot",
    policy: "drop_newest",
    sampleRate: 0.5,
    beforeSend: (event) => ("input" in event ? ({ ...event, user_id: undefined } satisfies InferenceEvent) : event),
  });
  const id: string = telltale.logInference({
    model: "gpt-4o-mini",
    input: [{ role: "user", content: "Capital of France?" }],
    output: "Paris.",
    contexts: ["Paris is the capital of France."],
    usage: { prompt_tokens: 12, completion_tokens: 2 },
    latencyMs: 350,
    attributes: { tenant: "acme" },
  });
  telltale.logFeedback(id, { kind: "rating", value: 5, source: "annotator" });

  const openai: OpenAI = wrapOpenAI(new OpenAI({ apiKey: "sk-..." }), { telltale, route: "qa" });
  const completion = await openai.chat.completions.create({ model: "gpt-4o-mini", messages: [] });
  const completionId: string | undefined = inferenceIdOf(completion);
  const stream = await openai.chat.completions.create({ model: "gpt-4o-mini", messages: [], stream: true });
  for await (const chunk of stream) chunk.choices[0]?.delta.content;
  if (completionId) telltale.logFeedback(completionId, { kind: "thumbs", value: "up" });

  const flushed: boolean = await telltale.flush(2000);
  await telltale.shutdown();
  return flushed ? telltale.stats() : telltale.stats();
}
