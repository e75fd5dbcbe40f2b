// One trace: its calls as a span tree (indented by depth) with a timing bar each, from /v1/traces/{trace_id}.
import { api } from "../api.js";
import { el, formatTime, formatValue, table } from "../dom.js";

// The bar's place on the trace's time line, as percentages (set through the CSSOM: the CSP forbids style attributes).
function bar(span, total) {
  const node = el("span", { class: `bar${span.status === "error" ? " bad" : ""}` });
  const scale = Math.max(total, 1);
  node.style.left = `${(span.offset_ms / scale) * 100}%`;
  node.style.width = `${Math.max(((span.duration_ms || 0) / scale) * 100, 0.5)}%`;
  return el("div", { class: "span-track", role: "img", "aria-label": `starts at +${formatValue(span.offset_ms, "ms")}, lasts ${formatValue(span.duration_ms, "ms")}` }, node);
}

export async function render(root, { rest, params }) {
  const traceId = rest[0];
  if (!traceId) {
    root.replaceChildren(el("h1", { text: "Trace" }), el("p", { class: "muted", text: "Open a trace from an event's page (its Trace link)." }));
    return;
  }
  const found = await api(`/v1/traces/${encodeURIComponent(traceId)}`);
  const current = params.get("event");
  const rows = found.spans.map((span) => {
    const name = el("td", { class: "span-name" }, el("a", { href: `#/events/${span.event_id}`, text: span.route || span.model }), el("span", { class: "muted", text: ` ${span.model}` }));
    name.style.paddingLeft = `${8 + span.depth * 20}px`;
    return el(
      "tr",
      { "data-span": span.span_id || span.event_id, "data-depth": span.depth, "aria-current": span.event_id === current ? "true" : null },
      name,
      el("td", { class: "num", text: `+${formatValue(span.offset_ms, "ms")}` }),
      el("td", { class: "num", text: formatValue(span.duration_ms, "ms") }),
      el("td", { class: span.status === "error" ? "state-firing" : "", text: span.status + (span.error ? `: ${span.error}` : "") }),
      el("td", { class: "preview", title: span.question, text: span.question }),
      el("td", { class: "waterfall" }, bar(span, found.duration_ms)),
    );
  });
  const facts = el("dl", { class: "meta" });
  for (const [name, value] of [
    ["Trace id", found.trace_id],
    ["Started", formatTime(found.start)],
    ["Duration", formatValue(found.duration_ms, "ms")],
    ["Calls", `${found.spans.length}${found.truncated ? " (the first ones; the trace has more)" : ""}`],
  ]) facts.append(el("dt", { text: name }), el("dd", { text: value }));
  root.replaceChildren(
    el("p", {}, el("a", { href: current ? `#/events/${current}` : "#/events", text: current ? "← The event" : "← All events" })),
    el("h1", { text: "Trace" }),
    el("section", { class: "card", "aria-label": "Trace facts" }, facts),
    el(
      "section",
      { class: "card", "aria-labelledby": "tr-spans" },
      el("h2", { id: "tr-spans", text: "Spans" }),
      el("p", { class: "muted", text: "Children under their parent (by parent_span_id); calls without a parent in this trace in time order." }),
      el("div", { class: "table-scroll" }, table("Spans of the trace", ["Call", "Start", "Duration", "Status", "Question", "Timing"], rows)),
    ),
  );
}
