// Overview: the traffic's volume, errors, latency, cost, groundedness, safety flags and feedback over time.
import { api } from "../api.js";
import { lineChart } from "../chart.js";
import { el, emptyState, field, formatValue, RANGES, rangeParams, select } from "../dom.js";

const LABELS = [
  ["model", "Model"],
  ["route", "Route"],
  ["prompt_version", "Prompt version"],
  ["environment", "Environment"],
];

// Each chart: a title and the catalog metrics drawn on it (one line per metric).
const CHARTS = [
  { title: "Volume (calls)", metrics: [["volume.count", "calls"]] },
  { title: "Error rate", metrics: [["error.rate", "errors"]] },
  { title: "Latency p95", metrics: [["latency.p95", "p95"]] },
  { title: "Cost (USD)", metrics: [["cost.sum", "cost"]] },
  { title: "Groundedness (mean score)", metrics: [["groundedness.mean", "groundedness"]] },
  {
    title: "Safety flags (share of calls)",
    metrics: [
      ["safety.toxicity.rate", "toxicity"],
      ["safety.pii.rate", "PII"],
      ["safety.injection.rate", "prompt injection"],
    ],
  },
  { title: "Negative feedback (share of feedback)", metrics: [["feedback.negative_rate", "negative"]] },
];

// Whole-range figures; a rate over the range is the samples-weighted mean of its buckets.
const TILES = [
  ["Calls", "volume.count", "sum"],
  ["Error rate", "error.rate", "weighted"],
  ["Latency p95", "latency.p95", "range"],
  ["Cost", "cost.sum", "sum"],
  ["Groundedness", "groundedness.mean", "weighted"],
  ["Negative feedback", "feedback.negative_rate", "weighted"],
];

function filtersFrom(params) {
  const filters = {};
  for (const [name] of LABELS) if (params.get(name)) filters[name] = params.get(name);
  return filters;
}

function aggregate(series, how) {
  const points = series.lines.flatMap((line) => line.points).filter((p) => p.value !== null);
  if (!points.length) return null;
  if (how === "sum") return points.reduce((total, p) => total + p.value, 0);
  const samples = points.reduce((total, p) => total + p.samples, 0);
  return samples ? points.reduce((total, p) => total + p.value * p.samples, 0) / samples : null;
}

export async function render(root, { params, navigate }) {
  const range = params.get("range") || "1h";
  const span = rangeParams(range);
  const filters = filtersFrom(params);
  const query = { ...span, ...filters };
  const names = [...new Set(CHARTS.flatMap((chart) => chart.metrics.map(([name]) => name)))];
  const [labels, p95, ...series] = await Promise.all([
    api("/v1/labels", { params: span }),
    api("/v1/metrics/latency.p95", { params: query }),
    ...names.map((name) => api(`/v1/metrics/${name}/series`, { params: query })),
  ]);
  const byName = Object.fromEntries(series.map((s) => [s.metric, s]));

  const form = el("form", { class: "filters card", "aria-label": "Overview filters" });
  form.append(field("ov-range", "Time range", select("range", RANGES.map(([k, text]) => [k, text]), range)));
  for (const [name, text] of LABELS) {
    form.append(field(`ov-${name}`, text, select(name, labels[name], filters[name] || "", "All")));
  }
  form.append(el("button", { type: "submit", text: "Apply" }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = Object.fromEntries([...new FormData(form)].filter(([, value]) => value));
    navigate("overview", chosen);
  });
  form.addEventListener("change", () => form.requestSubmit());

  const heading = el("h1", { text: "Overview" });
  const calls = aggregate(byName["volume.count"], "sum");
  if (!calls) {
    root.replaceChildren(heading, form, noTraffic(Object.keys(filters).length > 0));
    return;
  }
  const tiles = el("div", { class: "tiles", role: "list", "aria-label": "Totals for the range" });
  for (const [name, metric, how] of TILES) {
    const value = how === "range" ? p95.groups[0]?.value ?? null : aggregate(byName[metric], how);
    const unit = byName[metric].unit;
    tiles.append(
      el("div", { class: "tile", role: "listitem" }, el("div", { class: "name", text: name }), el("div", { class: "value", text: formatValue(value, unit) })),
    );
  }
  const charts = el("div", { class: "charts" });
  for (const chart of CHARTS) {
    const lines = chart.metrics.map(([name, label]) => ({ name: label, points: byName[name].lines[0]?.points || [] }));
    charts.append(lineChart(chart.title, lines, byName[chart.metrics[0][0]].unit));
  }
  const step = byName["volume.count"].step;
  const note = el("p", { class: "muted", text: `One point per ${step >= 3600 ? `${step / 3600} h` : `${step / 60} min`}, by event time (UTC).` });
  root.replaceChildren(heading, form, tiles, charts, note);
}

function noTraffic(filtered) {
  if (filtered) {
    return emptyState("No calls match these filters", el("p", { text: "Choose “All” in a filter or a longer time range." }));
  }
  const origin = window.location.origin;
  return emptyState(
    "No traffic yet",
    el("p", { text: "Send your app's LLM calls to Telltale and they appear here within seconds. With an ingest key:" }),
    el("pre", { class: "snippet", text: `curl -H "Authorization: Bearer $INGEST_KEY" ${origin}/v1/inference -d '[{"event_id": "'$(uuidgen)'", "ts": "'$(date -u +%FT%TZ)'", "model": "gpt-4o-mini", "input": "hi", "output": "hello", "latency_ms": 420}]'` }),
    el("p", { text: "Or try it with realistic demo traffic (an hour of calls with failures to find):" }),
    el("pre", { class: "snippet", text: `telltale demo --url ${origin} --key $INGEST_KEY` }),
    el("p", {}, "The SDKs (Python, TypeScript) and OpenTelemetry export are described in the README; the API is at ", el("a", { href: "/docs", text: "/docs" }), "."),
  );
}
