// One event: input, output with its unsupported sentences marked, passages with the closest sentences marked,
// evaluations and feedback.
import { api } from "../api.js";
import { el, formatNumber, formatTime, formatValue } from "../dom.js";
import { actions } from "./event-actions.js";

// Text with each found phrase wrapped in <mark class=kind title=note>; phrases not found are left unmarked.
export function highlighted(text, marks) {
  const spans = [];
  for (const mark of marks) {
    const start = text.indexOf(mark.phrase);
    if (mark.phrase && start >= 0) spans.push({ ...mark, start, end: start + mark.phrase.length });
  }
  spans.sort((a, b) => a.start - b.start);
  const node = el("p", { class: "text" });
  let at = 0;
  for (const span of spans) {
    if (span.start < at) continue;
    node.append(text.slice(at, span.start));
    node.append(el("mark", { class: span.kind, title: span.note, text: text.slice(span.start, span.end) }));
    at = span.end;
  }
  node.append(text.slice(at));
  return node;
}

function inputBlock(input) {
  if (typeof input === "string") return el("p", { class: "text", text: input });
  return el(
    "div",
    {},
    input.map((message) => {
      const content = Array.isArray(message.content)
        ? message.content.map((part) => part.text || "").join("\n")
        : message.content || "";
      return el("div", {}, el("h3", { text: message.role }), el("p", { class: "text", text: content }));
    }),
  );
}

function detailsText(details) {
  const text = JSON.stringify(details);
  return text === "{}" ? "" : text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

export async function renderEvent(root, eventId) {
  const detail = await api(`/v1/inference/${encodeURIComponent(eventId)}`);
  const event = detail.event;
  const grounded = detail.evaluations.filter((e) => e.evaluator === "groundedness" && e.details && e.details.unsupported);
  const unsupported = grounded.flatMap((e) => e.details.unsupported);
  const outputMarks = unsupported.map((u) => ({
    phrase: u.sentence,
    kind: "unsupported",
    note: `Unsupported (support ${u.support}${u.reasons && u.reasons.length ? `; ${u.reasons.join("; ")}` : ""})`,
  }));

  const meta = el("dl", { class: "meta" });
  const facts = [
    ["Event id", event.event_id],
    ["Time", formatTime(event.ts)],
    ["Model", `${event.model}${event.provider ? ` (${event.provider})` : ""}`],
    ["Route", event.route || "–"],
    ["Prompt version", event.prompt_version || "–"],
    ["Environment", event.environment || "–"],
    ["Status", event.status + (event.error ? `: ${event.error}` : "")],
    ["Latency", formatValue(event.latency_ms ?? null, "ms")],
    ["Trace", event.trace_id ? el("a", { href: `#/traces/${encodeURIComponent(event.trace_id)}?event=${event.event_id}`, text: event.trace_id }) : "–"],
    ["Session", event.session_id ? el("a", { href: `#/sessions/${encodeURIComponent(event.session_id)}?event=${event.event_id}`, text: event.session_id }) : "–"],
  ];
  for (const [name, value] of facts) meta.append(el("dt", { text: name }), el("dd", {}, value));

  const output = el("section", { class: "card", "aria-labelledby": "ev-output" }, el("h2", { id: "ev-output", text: "Output" }));
  output.append(event.output ? highlighted(event.output, outputMarks) : el("p", { class: "muted", text: "No output (the call failed or returned nothing)." }));
  if (unsupported.length) {
    output.append(el("p", { class: "muted", text: `${unsupported.length} sentence(s) not supported by the retrieved passages are marked.` }));
  }

  const contexts = el("section", { class: "card", "aria-labelledby": "ev-contexts" }, el("h2", { id: "ev-contexts", text: `Retrieved passages (${(event.contexts || []).length})` }));
  if (!(event.contexts || []).length) contexts.append(el("p", { class: "muted", text: "This call sent no passages, so groundedness was not scored." }));
  (event.contexts || []).forEach((context, index) => {
    const marks = unsupported
      .filter((u) => u.best_passage && u.best_passage.index === index)
      .map((u) => ({ phrase: u.best_passage.sentence, kind: "closest", note: `Closest passage sentence to: “${u.sentence}”` }));
    const title = [`Passage ${index + 1}`, context.id, context.source].filter(Boolean).join(" · ");
    contexts.append(el("h3", { text: title }), highlighted(context.text, marks));
  });

  const evaluations = el("section", { class: "card", "aria-labelledby": "ev-evals" }, el("h2", { id: "ev-evals", text: "Evaluations" }));
  if (!detail.evaluations.length) {
    evaluations.append(el("p", { class: "muted", text: "Not evaluated yet: evaluations appear a moment after the event arrives." }));
  } else {
    evaluations.append(
      el(
        "table",
        {},
        el("thead", {}, el("tr", {}, ["Evaluator", "Metric", "Value", "Label", "Details"].map((h) => el("th", { scope: "col", text: h })))),
        el(
          "tbody",
          {},
          detail.evaluations.map((e) =>
            el(
              "tr",
              {},
              el("td", { text: `${e.evaluator} ${e.evaluator_version}` }),
              el("td", { text: e.metric }),
              el("td", { text: e.value === null ? "–" : e.metric === "cost_usd" ? formatValue(e.value, "USD") : formatNumber(e.value) }),
              el("td", { text: e.label || "–" }),
              el("td", { class: "preview", title: JSON.stringify(e.details), text: detailsText(e.details) }),
            ),
          ),
        ),
      ),
    );
  }

  const feedback = el("section", { class: "card", "aria-labelledby": "ev-feedback" }, el("h2", { id: "ev-feedback", text: "Feedback" }));
  if (!detail.feedback.length) feedback.append(el("p", { class: "muted", text: "No feedback on this call." }));
  for (const item of detail.feedback) {
    const f = item.feedback;
    const text = [f.kind, f.value, f.comment, f.correction ? `correction: ${f.correction}` : null, `(${f.source || "user"}, ${formatTime(f.ts)})`]
      .filter((part) => part !== null && part !== undefined && part !== "")
      .join(" · ");
    feedback.append(el("p", { class: item.negative ? "chip bad" : "chip", text }));
  }

  root.replaceChildren(
    el("p", {}, el("a", { href: "#/events", text: "← All events" })),
    el("h1", { text: "Event" }),
    el("section", { class: "card", "aria-label": "Event facts" }, meta),
    el("section", { class: "card", "aria-labelledby": "ev-input" }, el("h2", { id: "ev-input", text: "Input" }), inputBlock(event.input)),
    output,
    contexts,
    evaluations,
    feedback,
    actions(event, detail.feedback, () => renderEvent(root, eventId)),
  );
}
