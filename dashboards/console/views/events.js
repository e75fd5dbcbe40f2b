// Events: a searchable, filtered, paginated list, and one event with its passages, evaluations and feedback.
import { api } from "../api.js";
import { el, emptyState, field, formatTime, formatValue, RANGES, rangeParams, select } from "../dom.js";
import { renderEvent } from "./event.js";

const BAD = new Set(["ungrounded", "pii", "toxic", "injection", "error", "poor"]);
const FILTERS = ["q", "range", "status", "label", "feedback", "model", "route"];

export function chip(pair) {
  const label = pair.split(":").pop();
  return el("span", { class: BAD.has(label) ? "chip bad" : "chip", text: pair });
}

export async function render(root, { rest, params, navigate }) {
  if (rest.length) return renderEvent(root, rest[0]);
  const range = params.get("range") || "1h";
  const span = rangeParams(range);
  const query = {
    ...span,
    q: params.get("q"),
    status: params.get("status"),
    label: params.get("label"),
    feedback: params.get("feedback"),
    model: params.get("model"),
    route: params.get("route"),
    cursor: params.get("cursor"),
    limit: 50,
  };
  const [labels, page] = await Promise.all([api("/v1/labels", { params: span }), api("/v1/inference", { params: query })]);

  const form = el("form", { class: "filters card", role: "search", "aria-label": "Search events" });
  const search = el("input", { name: "q", type: "search", value: params.get("q") || "", placeholder: "text, event id or trace id" });
  form.append(
    field("ev-q", "Search", search),
    field("ev-range", "Time range", select("range", RANGES.map(([k, text]) => [k, text]), range)),
    field("ev-status", "Status", select("status", [["ok", "ok"], ["error", "error"]], params.get("status") || "", "Any")),
    field("ev-label", "Evaluator label", select("label", labels.evaluator_labels, params.get("label") || "", "Any")),
    field(
      "ev-feedback",
      "Feedback",
      select("feedback", [["negative", "negative"], ["any", "any"], ["none", "none"]], params.get("feedback") || "", "Any or none"),
    ),
    field("ev-model", "Model", select("model", labels.model, params.get("model") || "", "All")),
    field("ev-route", "Route", select("route", labels.route, params.get("route") || "", "All")),
    el("button", { type: "submit", text: "Search" }),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    navigate("events", Object.fromEntries([...new FormData(form)].filter(([, value]) => value)));
  });

  const heading = el("h1", { text: "Events" });
  if (!page.items.length) {
    const filtered = FILTERS.some((name) => name !== "range" && params.get(name));
    const hint = filtered
      ? el("p", { text: "Nothing matches: widen the time range or clear a filter." })
      : el("p", {}, "No calls in this range yet. The ", el("a", { href: "#/overview", text: "Overview" }), " explains how to send the first event.");
    root.replaceChildren(heading, form, emptyState("No events", hint));
    return;
  }
  const table = el(
    "table",
    { class: "card", "aria-label": "Events, newest first" },
    el("thead", {}, el("tr", {}, ["Time", "Model", "Route", "Status", "Latency", "Question", "Session / user", "Labels", "Feedback"].map((h) => el("th", { scope: "col", text: h })))),
    el(
      "tbody",
      {},
      page.items.map((item) =>
        el(
          "tr",
          { "data-event": item.event_id },
          el("td", {}, el("a", { href: `#/events/${encodeURIComponent(item.event_id)}`, "aria-label": `Event ${item.event_id} at ${formatTime(item.ts)}`, text: formatTime(item.ts) })),
          el("td", { text: item.model }),
          el("td", { text: item.route || "–" }),
          el("td", { class: item.status === "error" ? "state-firing" : "", text: item.status }),
          el("td", { text: formatValue(item.latency_ms, "ms") }),
          el("td", { class: "preview", title: item.question, text: item.question }),
          el("td", { class: "preview", text: [item.session_id, item.user_id].filter(Boolean).join(" / ") || "–" }),
          el("td", {}, item.labels.filter((pair) => BAD.has(pair.split(":").pop())).map(chip)),
          el("td", { text: item.feedback.count ? `${item.feedback.negative} negative of ${item.feedback.count}` : "–" }),
        ),
      ),
    ),
  );
  const pager = el("div", { class: "pager" });
  if (params.get("cursor")) {
    const first = Object.fromEntries([...params].filter(([name]) => name !== "cursor"));
    pager.append(el("button", { type: "button", class: "secondary", text: "Newest", onclick: () => navigate("events", first) }));
  }
  if (page.next_cursor) {
    const next = { ...Object.fromEntries(params), cursor: page.next_cursor };
    pager.append(el("button", { type: "button", text: "Older events", onclick: () => navigate("events", next) }));
  }
  root.replaceChildren(heading, form, table, pager);
}
