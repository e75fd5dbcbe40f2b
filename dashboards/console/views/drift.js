// Drift: results per monitor, window and segment with the drifted signals, and the Evidently report of each.
import { api } from "../api.js";
import { RANGES, el, emptyState, field, formatTime, formatValue, rangeParams, select, table } from "../dom.js";
import { reportFrame } from "../report-view.js";

const STATUSES = ["drift", "ok", "insufficient_data", "error"];

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
      : "No drift monitor: create one with POST /v1/drift/monitors (the README's Drift section has the options).";
    root.replaceChildren(heading, form, emptyState("No drift results in this range", el("p", { text: hint })));
    return;
  }
  const rows = results.map((r) => {
    const drifted = r.signals.filter((s) => s.status === "drift").map((s) => el("span", { class: "chip bad", text: s.signal }));
    return el(
      "tr",
      { "data-result": r.result_id },
      el("td", { text: `${formatTime(r.window_start)} → ${formatTime(r.window_end).slice(11)}` }),
      el("td", { text: r.monitor_id }),
      el("td", { text: r.segment }),
      el("td", { class: r.status === "drift" ? "state-firing" : r.status === "ok" ? "state-resolved" : "", text: r.status }),
      el("td", { text: r.share_drifted === null ? "–" : `${formatValue(r.share_drifted, "ratio")} of ${r.n_signals}` }),
      el("td", { text: `${r.n_current} / ${r.n_reference}` }),
      el("td", {}, drifted.length ? drifted : "–"),
      el("td", {}, r.report_url ? el("a", { href: `#/drift/${encodeURIComponent(r.result_id)}`, text: "Report", "aria-label": `Evidently report for ${r.segment}, ${formatTime(r.window_start)}` }) : r.error || "–"),
    );
  });
  root.replaceChildren(
    heading,
    form,
    el("section", { class: "card" }, table("Drift results, newest first", ["Window (UTC)", "Monitor", "Segment", "Status", "Drifted share", "Calls / reference", "Drifted signals", ""], rows)),
  );
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
