// A strip under the preview chart: where each group of the rule would have been pending or firing, on the same time
// axis as the chart (the transitions come from the alert engine's own replay of the past buckets).
const NS = "http://www.w3.org/2000/svg";
const W = 600;
const PAD_LEFT = 56;
const PAD_RIGHT = 10;
const ROW = 10;

function svg(tag, attrs, text) {
  const node = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

// Spans [from, to) per group and state, from transitions sorted by time; an open span runs to the end.
function spans(transitions, end) {
  const byGroup = new Map();
  for (const t of transitions) {
    const key = JSON.stringify(t.labels);
    if (!byGroup.has(key)) byGroup.set(key, []);
    byGroup.get(key).push(t);
  }
  const found = [];
  [...byGroup.values()].forEach((list, row) => {
    list.forEach((t, i) => {
      if (t.to_state === "pending" || t.to_state === "firing") found.push({ row, state: t.to_state, from: Date.parse(t.at), to: i + 1 < list.length ? Date.parse(list[i + 1].at) : end });
    });
  });
  return { found, rows: Math.max(byGroup.size, 1) };
}

export function firingStrip(series, transitions) {
  const t0 = Date.parse(series.start);
  const t1 = Date.parse(series.end);
  const x = (t) => PAD_LEFT + ((t - t0) / Math.max(t1 - t0, 1)) * (W - PAD_LEFT - PAD_RIGHT);
  const { found, rows } = spans(transitions, t1);
  const firing = found.filter((s) => s.state === "firing").length;
  const label = firing ? `Firing spans: ${firing}` : "Never firing in this range";
  const root = svg("svg", { viewBox: `0 0 ${W} ${rows * ROW + 4}`, role: "img", "aria-label": label, class: "strip", preserveAspectRatio: "none" });
  root.append(svg("title", {}, label));
  for (const span of found) {
    root.append(svg("rect", { class: `span-${span.state}`, x: x(span.from), y: span.row * ROW + 2, width: Math.max(x(span.to) - x(span.from), 1), height: ROW - 2 }));
  }
  return root;
}
