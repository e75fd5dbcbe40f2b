// Overview: the traffic's volume, errors, latency, cost, groundedness, safety flags and feedback over time.
import { api } from "../api.js";
import { lineChart } from "../chart.js";
import { el, emptyState, field, formatTime, formatValue, newEventId, RANGES, rangeParams, select } from "../dom.js";
import { attention } from "./attention.js";

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
  { title: "Cost (USD)", metrics: [["cost.sum", "cost"]], scored: true },
  {
    title: "Groundedness (mean score) and refusals (share of answers)",
    metrics: [
      ["groundedness.mean", "groundedness"],
      ["groundedness.refusal_rate", "refused"],
    ],
    scored: true,
  },
  {
    title: "Safety flags (share of calls)",
    scored: true,
    metrics: [
      ["safety.toxicity.output.rate", "toxic output"],
      ["safety.pii.output.rate", "PII in output"],
      ["safety.injection.input.rate", "injection in input"],
      ["safety.injection.contexts.rate", "injection in passages"],
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

// What the evaluators have not scored yet: a chart of scores must not show a false calm over it.
function scoringNotes(status, span) {
  const notes = { page: [], chart: null };
  if (!status || status.mode !== "local") return notes;
  if (status.backlog > 0) {
    const from = status.unscored_from && Date.parse(status.unscored_from) < Date.parse(span.to) ? status.unscored_from : null;
    notes.page.push(`Scoring is behind: ${formatValue(status.backlog)} calls not scored yet (the oldest waiting ${formatValue(status.lag_seconds * 1000, "ms")}).` + (from ? ` Scores from ${formatTime(from)} on are incomplete.` : ""));
    if (from) notes.chart = `Not scored yet from ${formatTime(from)} on (${formatValue(status.backlog)} calls waiting).`;
  }
  const skipped = Object.entries(status.unscored || {}).filter(([, count]) => count > 0);
  if (skipped.length) {
    notes.page.push(`Overload sampling left calls unscored, to be backfilled: ${skipped.map(([name, count]) => `${name} ${formatValue(count)}`).join(", ")}.`);
  }
  return notes;
}

// The page appears at once; each chart and tile is drawn as soon as its own query answers.
export async function render(root, { params, navigate }) {
  const range = params.get("range") || "1h";
  const span = rangeParams(range);
  const filters = filtersFrom(params);
  const query = { ...span, ...filters };
  const status = api("/v1/scoring").catch(() => null);
  const scoring = status.then((found) => scoringNotes(found, span));
  const period = (RANGES.find(([key]) => key === range) || RANGES[0])[1].replace(/^Last /, "");
  const wrong = attention(span, range, filters, status, period);
  // One request per chart, so each chart is drawn as soon as its own metrics are computed.
  const series = {};
  for (const chart of CHARTS) {
    const names = chart.metrics.map(([name]) => name);
    const request = api("/v1/series", { params: { ...query, metric: names } });
    names.forEach((name, i) => {
      series[name] = request.then((all) => all[i]);
    });
  }

  const form = el("form", { class: "filters card", "aria-label": "Overview filters" });
  form.append(field("ov-range", "Time range", select("range", RANGES.map(([k, text]) => [k, text]), range)));
  const selects = {};
  for (const [name, text] of LABELS) {
    selects[name] = select(name, filters[name] ? [filters[name]] : [], filters[name] || "", "All");
    form.append(field(`ov-${name}`, text, selects[name]));
  }
  form.append(el("button", { type: "submit", text: "Apply" }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = Object.fromEntries([...new FormData(form)].filter(([, value]) => value));
    navigate("overview", chosen);
  });
  form.addEventListener("change", () => form.requestSubmit());
  // The filter options wait for the charts: a browser runs six requests to a host at once.
  Promise.allSettled(Object.values(series))
    .then(() => api("/v1/labels", { params: span }))
    .then((labels) => {
      for (const [name] of LABELS) {
        selects[name].replaceChildren(...select(name, labels[name], filters[name] || "", "All").children);
        selects[name].value = filters[name] || "";
      }
    }, () => {});

  const tiles = el("div", { class: "tiles", role: "list", "aria-label": "Totals for the range" });
  for (const [name, metric, how] of TILES) {
    const value = el("div", { class: "value", text: "…" });
    tiles.append(el("div", { class: "tile", role: "listitem" }, el("div", { class: "name", text: name }), value));
    const source = how === "range" ? api(`/v1/metrics/${metric}`, { params: query }) : series[metric];
    source.then(
      (data) => {
        const unit = how === "range" ? "ms" : data.unit;
        value.textContent = formatValue(how === "range" ? data.groups[0]?.value ?? null : aggregate(data, how), unit);
      },
      () => {
        value.textContent = "error";
      },
    );
  }
  const charts = el("div", { class: "charts" });
  for (const chart of CHARTS) {
    const slot = el("figure", { class: "card chart", "aria-busy": "true" }, el("figcaption", {}, el("h2", { text: chart.title })), el("p", { class: "muted", text: "Loading…" }));
    charts.append(slot);
    Promise.all(chart.metrics.map(([name]) => series[name])).then(
      (found) => {
        const lines = found.map((data, i) => ({ name: chart.metrics[i][1], points: data.lines[0]?.points || [] }));
        const figure = lineChart(chart.title, lines, found[0].unit, { partialAt: partialBucket(found[0]) });
        slot.replaceWith(figure);
        if (chart.scored) {
          scoring.then((notes) => {
            if (notes.chart) figure.append(el("p", { class: "lag", role: "note", text: notes.chart }));
          });
        }
      },
      (error) => slot.replaceChildren(el("h2", { text: chart.title }), el("p", { class: "error", role: "alert", text: `Could not load: ${error.message}` })),
    );
  }
  const note = el("p", { class: "muted" });
  series["volume.count"].then(
    (volume) => {
      if (!aggregate(volume, "sum")) {
        tiles.remove();
        charts.replaceWith(noTraffic(Object.keys(filters).length > 0));
        return;
      }
      const step = volume.step;
      note.textContent = `One point per ${step >= 3600 ? `${step / 3600} h` : `${step / 60} min`}, by event time (UTC).`;
    },
    () => {},
  );
  const lag = el("div", { class: "lag", role: "status", "aria-live": "polite" });
  scoring.then((notes) => lag.replaceChildren(...notes.page.map((text) => el("p", { text }))));
  root.replaceChildren(el("h1", { text: "Overview" }), wrong, form, lag, tiles, charts, note);
}

// The start of the series' last bucket when it ends after the range does (it is still filling), else null.
function partialBucket(series) {
  const last = Date.parse(series.lines[0]?.points.at(-1)?.at ?? series.start);
  return last + series.step * 1000 > Date.parse(series.end) ? last : null;
}

function noTraffic(filtered) {
  if (filtered) {
    return emptyState("No calls match these filters", el("p", { text: "Choose “All” in a filter or a longer time range." }));
  }
  const origin = window.location.origin;
  return emptyState(
    "No traffic yet",
    el("p", { text: "Send your app's LLM calls to Telltale and they appear here within seconds. With an ingest key:" }),
    el("pre", { class: "snippet", text: `curl -H "Authorization: Bearer $INGEST_KEY" ${origin}/v1/inference -d '[{"event_id": "${newEventId()}", "ts": "'$(date -u +%FT%TZ)'", "model": "gpt-4o-mini", "input": "hi", "output": "hello", "latency_ms": 420}]'` }),
    el("p", { text: "Or try it with realistic demo traffic (an hour of calls with failures to find):" }),
    el("pre", { class: "snippet", text: `telltale demo --url ${origin} --key $INGEST_KEY` }),
    el("p", {}, "The SDKs (Python, TypeScript) and OpenTelemetry export are described in the README; the API is at ", el("a", { href: "/docs", text: "/docs" }), "."),
  );
}
