// Small DOM and formatting helpers: every text goes in through textContent, never as HTML, and every link
// the console makes stays on this server (no javascript:, data: or other-origin URLs, whatever the data says).

const URL_ATTRIBUTES = new Set(["href", "src", "action", "formaction"]);

export function safeUrl(value) {
  const url = new URL(String(value), window.location.href);
  if (url.origin !== window.location.origin) throw new Error(`refused a link off this console: ${String(value).slice(0, 80)}`);
  return String(value);
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === "function" && name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "text") node.textContent = value;
    else if (URL_ATTRIBUTES.has(name)) node.setAttribute(name, safeUrl(value));
    else if (name.startsWith("on")) throw new Error(`refused an event-handler attribute: ${name}`);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function field(id, text, control) {
  control.id = id;
  return el("div", { class: "field" }, el("label", { for: id, text }), control);
}

export function select(name, options, value, emptyText) {
  const node = el("select", { name });
  if (emptyText !== undefined) node.append(el("option", { value: "", text: emptyText }));
  for (const option of options) {
    const [optionValue, text] = Array.isArray(option) ? option : [option, option];
    node.append(el("option", { value: optionValue, text, selected: optionValue === value }));
  }
  return node;
}

export function table(label, headings, rows) {
  return el(
    "table",
    { "aria-label": label },
    el("thead", {}, el("tr", {}, headings.map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, rows),
  );
}

export function emptyState(title, ...body) {
  return el("section", { class: "empty", role: "status" }, el("h2", { text: title }), ...body);
}

export function formatValue(value, unit) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  if (unit === "ratio") return `${(value * 100).toFixed(value < 0.1 ? 1 : 0)}%`;
  if (unit === "USD") return `$${value >= 1 ? value.toFixed(2) : value >= 0.01 ? value.toFixed(4) : formatNumber(value, 2)}`;
  if (unit === "ms") return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`;
  if (unit === "score 0..1") return value.toFixed(2);
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString("en");
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) < 0.01 ? formatNumber(value, 2) : value.toFixed(2);
}

// A number to `digits` significant digits, so a small amount (a call's cost, $0.000027) never reads as 0.
export function formatNumber(value, digits = 4) {
  return String(Number(value.toPrecision(digits)));
}

export function formatTime(iso) {
  if (!iso) return "–";
  const date = new Date(iso);
  return date.toISOString().replace("T", " ").slice(0, 19) + " UTC";
}

export const RANGES = [
  ["1h", "Last hour", 3600],
  ["6h", "Last 6 hours", 6 * 3600],
  ["24h", "Last 24 hours", 24 * 3600],
  ["7d", "Last 7 days", 7 * 86400],
];

export function rangeParams(range) {
  const seconds = (RANGES.find(([key]) => key === range) || RANGES[0])[2];
  const to = new Date();
  return { from: new Date(to.getTime() - seconds * 1000).toISOString(), to: to.toISOString() };
}

// A fresh random (version 4) UUID: an example never repeats another's event, and feedback the console sends is new
// (crypto.randomUUID exists only on https or localhost).
export function newEventId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
