// A small SVG line chart: one path per line, broken where a bucket has no value, axes with min/max labels; a last
// bucket still filling (`partialAt`, its start) is drawn dashed over a hatched, labelled band, not as a drop.
import { formatValue } from "./dom.js";

const NS = "http://www.w3.org/2000/svg";
const COLORS = ["#2456c7", "#b42318", "#1a7f37", "#9a6700", "#6941c6", "#0e7490"];
const W = 600;
const H = 180;
const PAD = { left: 56, right: 10, top: 10, bottom: 22 };
const BOUNDED = new Set(["ratio", "score 0..1"]);

function svg(tag, attrs, text) {
  const node = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

// lines: [{name, points: [{at, value}]}]; returns a <figure> with the SVG, a legend and a text summary.
export function lineChart(title, lines, unit, { partialAt = null } = {}) {
  const values = lines.flatMap((line) => line.points.map((p) => p.value)).filter((v) => v !== null);
  const times = lines.flatMap((line) => line.points.map((p) => Date.parse(p.at)));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const top = values.length ? Math.max(...values) : 1;
  const yMax = top > 0 ? (BOUNDED.has(unit) ? Math.min(top * 1.1, 1) : top * 1.1) : 1;
  const x = (t) => PAD.left + ((t - t0) / Math.max(t1 - t0, 1)) * (W - PAD.left - PAD.right);
  const y = (v) => H - PAD.bottom - (v / yMax) * (H - PAD.top - PAD.bottom);
  const last = values.length ? values[values.length - 1] : null;
  const summary = values.length
    ? `${title}: ${values.length} points, latest ${formatValue(last, unit)}${partialAt === null ? "" : " (partial bucket)"}, highest ${formatValue(top, unit)}`
    : `${title}: no data in this range`;
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": summary, preserveAspectRatio: "none" });
  root.append(svg("title", {}, summary));
  root.append(svg("line", { class: "axis", x1: PAD.left, x2: W - PAD.right, y1: y(0), y2: y(0) }));
  root.append(svg("line", { class: "axis", x1: PAD.left, x2: PAD.left, y1: PAD.top, y2: y(0) }));
  root.append(svg("text", { x: PAD.left - 4, y: y(0), "text-anchor": "end" }, formatValue(0, unit)));
  root.append(svg("text", { x: PAD.left - 4, y: PAD.top + 8, "text-anchor": "end" }, formatValue(yMax, unit)));
  if (Number.isFinite(t0)) {
    const long = t1 - t0 > 20 * 3600 * 1000;
    const clock = (t) => new Date(t).toISOString().slice(long ? 5 : 11, 16).replace("T", " ");
    root.append(svg("text", { x: PAD.left, y: H - 6 }, clock(t0)));
    root.append(svg("text", { x: W - PAD.right, y: H - 6, "text-anchor": "end" }, clock(t1)));
  }
  if (partialAt !== null && Number.isFinite(t0)) root.append(...partialBand(x, y, partialAt, lines));
  lines.forEach((line, index) => {
    const color = COLORS[index % COLORS.length];
    const full = partialAt === null ? line.points : line.points.filter((p) => Date.parse(p.at) < partialAt);
    const d = path(full, x, y);
    if (d) root.append(svg("path", { d, fill: "none", stroke: color, "stroke-width": 2, "vector-effect": "non-scaling-stroke" }));
    if (partialAt === null) return;
    const [previous, latest] = line.points.slice(-2);
    if (!latest || latest.value === null || Date.parse(latest.at) < partialAt) return;
    if (previous && previous.value !== null) {
      root.append(svg("path", { class: "partial", d: path([previous, latest], x, y), fill: "none", stroke: color, "stroke-width": 2, "stroke-dasharray": "4 3", "vector-effect": "non-scaling-stroke" }));
    } else {
      root.append(svg("circle", { class: "partial", cx: x(Date.parse(latest.at)), cy: y(latest.value), r: 2.5, fill: "none", stroke: color }));
    }
  });
  const figure = document.createElement("figure");
  figure.className = "card chart";
  figure.dataset.points = String(values.length);
  if (partialAt !== null) figure.dataset.partial = new Date(partialAt).toISOString();
  figure.style.margin = "0";
  const caption = document.createElement("figcaption");
  const heading = document.createElement("h2");
  heading.textContent = title;
  caption.append(heading);
  if (lines.length > 1) {
    const legend = document.createElement("div");
    legend.className = "legend";
    lines.forEach((line, index) => {
      const item = document.createElement("span");
      item.style.setProperty("--c", COLORS[index % COLORS.length]);
      item.textContent = line.name;
      legend.append(item);
    });
    caption.append(legend);
  }
  figure.append(caption, root);
  return figure;
}

// The SVG path through the points, a new stroke after each bucket without a value.
function path(points, x, y) {
  let d = "";
  let pen = "M";
  for (const point of points) {
    if (point.value === null) {
      pen = "M";
      continue;
    }
    d += `${pen}${x(Date.parse(point.at)).toFixed(1)},${y(point.value).toFixed(1)} `;
    pen = "L";
  }
  return d;
}

// A hatched band from the last complete bucket to the partial one, labelled, so its lower value reads as unfinished.
let hatches = 0;
function partialBand(x, y, partialAt, lines) {
  const before = lines.flatMap((line) => line.points.map((p) => Date.parse(p.at))).filter((t) => t < partialAt);
  const from = x(before.length ? Math.max(...before) : partialAt);
  const to = W - PAD.right;
  const id = `partial-hatch-${++hatches}`;
  const defs = svg("defs", {});
  const hatch = svg("pattern", { id, width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" });
  hatch.append(svg("line", { class: "hatch", x1: 0, y1: 0, x2: 0, y2: 6 }));
  defs.append(hatch);
  const band = svg("rect", { class: "partial-band", x: from, y: PAD.top, width: Math.max(to - from, 2), height: y(0) - PAD.top, fill: `url(#${id})` });
  band.append(svg("title", {}, "This bucket is not over yet: its value so far is partial"));
  return [defs, band, svg("text", { class: "partial-label", x: to - 2, y: PAD.top + 8, "text-anchor": "end" }, "partial")];
}
