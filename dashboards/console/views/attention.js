// What is wrong, at the top of the overview: firing alerts, the segments that got worse than the period before,
// and how far scoring is behind. Each part fills in as its own request answers.
import { api } from "../api.js";
import { el, formatTime, formatValue } from "../dom.js";

const SHOWN = 6;

function part(id, title) {
  const body = el("div", { class: "muted", text: "Loading…" });
  return { body, node: el("section", { class: "attention-part", "aria-labelledby": id }, el("h3", { id, text: title }), body) };
}

function firing(alerts) {
  if (!alerts.length) return [el("p", { class: "calm", text: "No alert is firing." })];
  const newest = [...alerts].sort((a, b) => Date.parse(b.fired_at || b.active_since || 0) - Date.parse(a.fired_at || a.active_since || 0))[0];
  const labels = Object.entries(newest.labels).map(([k, v]) => `${k}=${v}`).join(", ");
  return [
    el("p", { class: "count bad", text: `${alerts.length} firing` }),
    el(
      "p",
      {},
      "Newest: ",
      el("a", { href: `#/alerts/${encodeURIComponent(newest.fingerprint)}`, text: newest.rule_name || newest.rule_id }),
      labels ? ` (${labels})` : "",
      ` since ${formatTime(newest.fired_at || newest.active_since)}`,
    ),
    el("p", {}, el("a", { href: "#/alerts?state=firing", text: "All firing alerts" })),
  ];
}

function change(segment) {
  if (segment.unit === "ratio" || segment.unit === "score 0..1") {
    const points = segment.change * 100;
    return `${points > 0 ? "+" : ""}${points.toFixed(1)} pts`;
  }
  if (segment.ratio === null) return `+${formatValue(segment.change, segment.unit)}`;
  return `${segment.ratio > 0 ? "+" : ""}${Math.round(segment.ratio * 100)}%`;
}

function worse(report, range, filters, periodText) {
  if (!report.segments.length) return [el("p", { class: "calm", text: `Nothing got worse against the previous ${periodText}.` })];
  const items = report.segments.slice(0, SHOWN).map((s) =>
    el(
      "li",
      { "data-segment": `${s.label}=${s.value}`, "data-metric": s.metric },
      el("a", { href: `#/overview?${new URLSearchParams({ ...filters, range, [s.label]: s.value })}`, text: `${s.label} ${s.value}` }),
      `: ${s.metric} ${formatValue(s.previous, s.unit)} → `,
      el("strong", { text: formatValue(s.current, s.unit) }),
      ` (${change(s)}; ${formatValue(s.current_samples)} samples)`,
    ),
  );
  const more = report.segments.length - SHOWN;
  return [
    el("p", { class: "count bad", text: `${report.segments.length} segment(s) got worse against the previous ${periodText}` }),
    el("ul", { class: "worse" }, items),
    more > 0 ? el("p", { class: "muted", text: `and ${more} more` }) : null,
  ];
}

function lag(status) {
  if (!status) return [el("p", { class: "muted", text: "Scoring status unavailable." })];
  if (status.mode !== "local") {
    return [el("p", { class: "muted", text: "Cluster mode: the evaluate role's lag is Prometheus' telltale_evaluation_lag_seconds." })];
  }
  if (!status.backlog) return [el("p", { class: "calm", text: "Scoring is caught up." })];
  return [
    el("p", { class: "count bad", text: `${formatValue(status.lag_seconds * 1000, "ms")} behind` }),
    el("p", { text: `${formatValue(status.backlog)} calls waiting to be scored.` }),
  ];
}

// span: {from, to}; filters: the overview's label filters; status: the /v1/scoring promise (null on failure).
export function attention(span, range, filters, status, periodText) {
  const alerts = part("wrong-alerts", "Firing alerts");
  const segments = part("wrong-worse", "Got worse");
  const scoring = part("wrong-lag", "Scoring lag");
  const fill = (target, promise, draw) =>
    promise.then(
      (data) => {
        target.body.className = "";
        target.body.replaceChildren(...draw(data).filter(Boolean));
      },
      (error) => target.body.replaceChildren(el("p", { class: "error", role: "alert", text: `Could not load: ${error.message}` })),
    );
  fill(alerts, api("/v1/alerts", { params: { state: "firing" } }), firing);
  fill(segments, api("/v1/metrics/worsened", { params: { ...span, ...filters } }), (report) => worse(report, range, filters, periodText));
  fill(scoring, status, lag);
  return el(
    "section",
    { class: "card attention", "aria-labelledby": "wrong-title" },
    el("h2", { id: "wrong-title", text: "What is wrong" }),
    el("div", { class: "attention-parts" }, alerts.node, segments.node, scoring.node),
  );
}
