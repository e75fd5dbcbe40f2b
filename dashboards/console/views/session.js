// One session: the conversation in order, each turn with its question, answer, scores and feedback.
import { api } from "../api.js";
import { el, formatNumber, formatTime, formatValue } from "../dom.js";

const BAD_LABELS = new Set(["ungrounded", "refused", "toxic", "pii", "injection", "error"]);

function scoreChips(scores) {
  const shown = scores.filter((s) => s.label || s.metric === "score");
  if (!shown.length) return el("p", { class: "muted", text: "Not scored yet." });
  return el(
    "p",
    { class: "chips", "aria-label": "Scores" },
    shown.map((s) => {
      const value = s.value === null ? "" : ` ${formatNumber(s.value, 2)}`;
      return el("span", { class: BAD_LABELS.has(s.label) ? "chip bad" : "chip", text: `${s.evaluator}.${s.metric}${s.label ? `: ${s.label}` : ""}${value}` });
    }),
  );
}

function feedbackChips(feedback) {
  if (!feedback.length) return null;
  return el(
    "p",
    { class: "chips", "aria-label": "Feedback" },
    feedback.map((item) => {
      const f = item.feedback;
      const text = [f.kind, f.value, f.comment, f.correction ? `correction: ${f.correction}` : null, f.source]
        .filter((part) => part !== null && part !== undefined && part !== "")
        .join(" · ");
      return el("span", { class: item.negative ? "chip bad" : "chip", text });
    }),
  );
}

export async function render(root, { rest, params }) {
  const sessionId = rest[0];
  if (!sessionId) {
    root.replaceChildren(el("h1", { text: "Session" }), el("p", { class: "muted", text: "Open a session from an event's page (its Session link)." }));
    return;
  }
  const found = await api(`/v1/sessions/${encodeURIComponent(sessionId)}`);
  const current = params.get("event");
  const turns = found.turns.map((t, i) =>
    el(
      "article",
      { class: "card turn", "data-event": t.event_id, "aria-current": t.event_id === current ? "true" : null, "aria-labelledby": `turn-${i}` },
      el(
        "h2",
        { id: `turn-${i}` },
        `Turn ${i + 1} · ${formatTime(t.ts)} · ${t.model}${t.route ? ` · ${t.route}` : ""}`,
        t.status === "error" ? el("span", { class: "state-firing", text: " · error" }) : null,
      ),
      el("h3", { text: "User" }),
      el("p", { class: "text", text: t.question }),
      el("h3", { text: "Answer" }),
      t.output ? el("p", { class: "text", text: t.output }) : el("p", { class: "muted", text: "No answer (the call failed or returned nothing)." }),
      scoreChips(t.scores),
      feedbackChips(t.feedback),
      el("p", {}, el("a", { href: `#/events/${t.event_id}`, text: "Open the event" }), t.latency_ms === null ? "" : ` · ${formatValue(t.latency_ms, "ms")}`),
    ),
  );
  root.replaceChildren(
    el("p", {}, el("a", { href: current ? `#/events/${current}` : "#/events", text: current ? "← The event" : "← All events" })),
    el("h1", { text: "Session" }),
    el(
      "p",
      { class: "muted" },
      `${found.session_id} · ${found.turns.length} turn(s)${found.truncated ? " (the first ones; the session has more)" : ""}`,
      found.user_ids.length ? ` · user ${found.user_ids.join(", ")}` : "",
    ),
    ...turns,
  );
}
