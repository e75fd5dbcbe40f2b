// Drift: per monitor a timeline of each segment's drifted share and a segment x signal heatmap per window; every
// cell and point opens the Evidently report of its window and segment.
import { api } from "../api.js";
import { RANGES, el, emptyState, field, formatTime, rangeParams, select } from "../dom.js";
import { heatmap, timeline } from "../drift-pictures.js";
import { reportFrame } from "../report-view.js";

const STATUSES = ["drift", "ok", "insufficient_data", "error"];
const HEATMAPS = 4;

export async function render(root, { rest, params, navigate }) {
  if (rest.length) return renderReport(root, rest[0]);
  const range = params.get("range") || "24h";
  const query = { ...rangeParams(range), monitor: params.get("monitor"), status: params.get("status"), segment: params.get("segment") };
  const [monitors, results] = await Promise.all([api("/v1/drift/monitors"), api("/v1/drift", { params: query })]);

  const form = el("form", { class: "filters card", "aria-label": "Filter drift results" });
  form.append(
    field("dr-range", "Windows starting", select("range", RANGES.map(([k, text]) => [k, text]), range)),
    field("dr-monitor", "Monitor", select("monitor", monitors.map((m) => m.monitor_id), params.get("monitor") || "", "All")),
    field("dr-status", "Status", select("status", STATUSES, params.get("status") || "", "Any")),
    field("dr-segment", "Segment", el("input", { name: "segment", type: "text", value: params.get("segment") || "", placeholder: "all, or model=gpt-4o" })),
    el("button", { type: "submit", text: "Show" }),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    navigate("drift", Object.fromEntries([...new FormData(form)].filter(([, value]) => value)));
  });
  const heading = el("h1", { text: "Drift" });
  if (!results.length) {
    const hint = monitors.length
      ? `${monitors.length} monitor(s) compare each finished window of traffic with its reference; results appear once a window has closed and has enough calls. Widen the range, or wait for the current window to close.`
      : "No drift monitor: create one on the Configure page (or with POST /v1/drift/monitors; the README's Drift section has the options).";
    root.replaceChildren(heading, form, emptyState("No drift results in this range", el("p", { text: hint })));
    return;
  }
  const byMonitor = new Map();
  for (const r of results) {
    if (!byMonitor.has(r.monitor_id)) byMonitor.set(r.monitor_id, []);
    byMonitor.get(r.monitor_id).push(r);
  }
  const pictures = [...byMonitor.entries()].map(([monitor, list]) => {
    const all = [...new Set(list.map((r) => r.window_start))].sort().reverse();
    const windows = all.slice(0, HEATMAPS);
    return el(
      "section",
      { class: "card drift-monitor", "aria-label": `Monitor ${monitor}` },
      el("h2", { text: `Monitor ${monitor}` }),
      el("figure", { class: "drift-timeline" }, el("figcaption", { text: "Drifted share of signals per segment and window (dashed: the monitor's drift share). Click a point for its report." }), timeline(list)),
      ...windows.map((start) => {
        const one = list.filter((r) => r.window_start === start);
        return el(
          "figure",
          { class: "drift-heatmap", "data-window": start },
          el("figcaption", { text: `Window ${formatTime(start)} → ${formatTime(one[0].window_end).slice(11)}: segment × signal (red: drifted, green: no drift, grey: too few calls). Click a cell for its report.` }),
          heatmap(one),
        );
      }),
      windows.length < all.length ? el("p", { class: "muted", text: `Heatmaps of the newest ${HEATMAPS} of ${all.length} windows; narrow the range for older ones.` }) : null,
    );
  });
  root.replaceChildren(heading, form, ...pictures);
}

// The report is a full HTML page of its own, shown in a sandboxed frame (see report-view.js).
function renderReport(root, resultId) {
  const status = el("p", { class: "error", role: "alert" });
  const page = `/console/report.html#${encodeURIComponent(resultId)}`;
  root.replaceChildren(
    el("p", {}, el("a", { href: "#/drift", text: "← All drift results" }), " · ", el("a", { href: page, target: "_blank", rel: "opener", text: "Open in a new tab" })),
    el("h1", { text: "Drift report" }),
    status,
    reportFrame(resultId, status),
  );
}
