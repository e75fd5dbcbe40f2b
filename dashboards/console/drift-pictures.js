// Drift as pictures, in inline SVG: a segment x signal heatmap of one window, and a timeline of each segment's
// drifted share; every cell and point links to the Evidently report of its window and segment.
import { formatTime, formatValue } from "./dom.js";

const NS = "http://www.w3.org/2000/svg";
const COLORS = ["#2456c7", "#b42318", "#1a7f37", "#9a6700", "#6941c6", "#0e7490", "#c11574", "#475467"];
const CELL_W = 22;
const CELL_H = 20;
const CHAR_W = 6.6;
const HEADER = 110;

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attrs)) if (value !== undefined) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function reportLink(result, label) {
  const link = svg("a", { href: `#/drift/${encodeURIComponent(result.result_id)}`, "aria-label": label });
  link.append(svg("title", {}, label));
  return link;
}

function scoreText(signal) {
  return signal.score === null ? "" : ` (${signal.test} ${formatValue(signal.score, "")}${signal.threshold === null ? "" : ` vs ${formatValue(signal.threshold, "")}`})`;
}

// The signals of a window, those drifted in the most segments first.
function signalOrder(results) {
  const drifted = new Map();
  for (const r of results) for (const s of r.signals) drifted.set(s.signal, (drifted.get(s.signal) || 0) + (s.status === "drift" ? 1 : 0));
  return [...drifted.keys()].sort((a, b) => drifted.get(b) - drifted.get(a) || a.localeCompare(b));
}

// results: one window of one monitor, one result per segment.
export function heatmap(results) {
  const signals = signalOrder(results);
  const segments = [...results].sort((a, b) => (b.share_drifted ?? -1) - (a.share_drifted ?? -1) || a.segment.localeCompare(b.segment));
  const share = (r) => (r.share_drifted === null ? r.status : `${formatValue(r.share_drifted, "ratio")} drifted`);
  const labelW = Math.max(...segments.map((r) => `${r.segment} · ${share(r)}`.length)) * CHAR_W + 12;
  const headerH = signals.length ? HEADER : 4;
  const width = labelW + signals.length * CELL_W + (signals.length ? HEADER * 0.6 : 10);
  const height = headerH + segments.length * CELL_H + 4;
  const drifted = segments.filter((r) => r.status === "drift").length;
  const first = segments[0];
  const summary = `${first.monitor_id}, window ${formatTime(first.window_start)}: ${drifted} of ${segments.length} segment(s) drifted`;
  const root = svg("svg", { class: "heatmap", viewBox: `0 0 ${width} ${height}`, width, height, role: "group", "aria-label": summary });
  signals.forEach((signal, col) => {
    const x = labelW + col * CELL_W + CELL_W / 2;
    root.append(svg("text", { class: "col", x, y: headerH - 6, transform: `rotate(-60 ${x} ${headerH - 6})` }, signal));
  });
  segments.forEach((result, row) => {
    const y = headerH + row * CELL_H;
    const label = reportLink(result, `Report for ${result.segment}: ${result.status}, ${share(result)}`);
    label.append(svg("text", { class: `row state-${result.status === "drift" ? "firing" : "resolved"}`, x: labelW - 6, y: y + CELL_H - 6, "text-anchor": "end" }, `${result.segment} · ${share(result)}`));
    root.append(label);
    const bySignal = new Map(result.signals.map((s) => [s.signal, s]));
    signals.forEach((name, col) => {
      const signal = bySignal.get(name);
      const status = signal ? signal.status : "missing";
      const link = reportLink(result, `${result.segment} × ${name}: ${status}${signal ? scoreText(signal) : ""}`);
      link.setAttribute("data-segment", result.segment);
      link.setAttribute("data-signal", name);
      link.setAttribute("data-status", status);
      link.append(svg("rect", { class: `cell cell-${status}`, x: labelW + col * CELL_W + 1, y: y + 1, width: CELL_W - 2, height: CELL_H - 2, rx: 2 }));
      root.append(link);
    });
  });
  return root;
}

// results: every window of one monitor; one line per segment, the monitor's drift-share threshold dashed.
export function timeline(results) {
  const W = 720;
  const H = 200;
  const PAD = { left: 44, right: 150, top: 10, bottom: 22 };
  const times = results.map((r) => Date.parse(r.window_start));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const x = (t) => PAD.left + (t1 === t0 ? 0.5 : (t - t0) / (t1 - t0)) * (W - PAD.left - PAD.right);
  const y = (v) => H - PAD.bottom - v * (H - PAD.top - PAD.bottom);
  const bySegment = new Map();
  for (const r of [...results].sort((a, b) => Date.parse(a.window_start) - Date.parse(b.window_start))) {
    if (!bySegment.has(r.segment)) bySegment.set(r.segment, []);
    bySegment.get(r.segment).push(r);
  }
  const label = `${results[0].monitor_id}: drifted share per segment over ${new Set(times).size} window(s)`;
  const root = svg("svg", { class: "timeline", viewBox: `0 0 ${W} ${H}`, role: "group", "aria-label": label });
  root.append(svg("title", {}, label));
  root.append(svg("line", { class: "axis", x1: PAD.left, x2: W - PAD.right, y1: y(0), y2: y(0) }));
  root.append(svg("text", { x: PAD.left - 4, y: y(0), "text-anchor": "end" }, "0%"));
  root.append(svg("text", { x: PAD.left - 4, y: y(1) + 8, "text-anchor": "end" }, "100%"));
  const threshold = results[0].drift_share_threshold;
  root.append(svg("line", { class: "threshold", x1: PAD.left, x2: W - PAD.right, y1: y(threshold), y2: y(threshold) }));
  root.append(svg("text", { x: PAD.left, y: H - 6 }, formatTime(new Date(t0).toISOString()).slice(5, 16)));
  root.append(svg("text", { x: W - PAD.right, y: H - 6, "text-anchor": "end" }, formatTime(new Date(t1).toISOString()).slice(5, 16)));
  [...bySegment.entries()].forEach(([segment, list], index) => {
    const color = COLORS[index % COLORS.length];
    const points = list.filter((r) => r.share_drifted !== null);
    if (points.length > 1) root.append(svg("polyline", { fill: "none", stroke: color, "stroke-width": 2, points: points.map((r) => `${x(Date.parse(r.window_start)).toFixed(1)},${y(r.share_drifted).toFixed(1)}`).join(" ") }));
    for (const r of points) {
      const link = reportLink(r, `${segment}, window ${formatTime(r.window_start)}: ${formatValue(r.share_drifted, "ratio")} drifted (${r.status})`);
      link.setAttribute("data-segment", segment);
      link.append(svg("circle", { cx: x(Date.parse(r.window_start)), cy: y(r.share_drifted), r: r.status === "drift" ? 5 : 3.5, fill: color }));
      root.append(link);
    }
    root.append(svg("rect", { x: W - PAD.right + 10, y: PAD.top + index * 16, width: 10, height: 10, fill: color }));
    root.append(svg("text", { class: "legend-text", x: W - PAD.right + 24, y: PAD.top + index * 16 + 9 }, segment));
  });
  return root;
}
