// Disparity: a rate metric per group of users (detected language, or an attribute the project watches) against
// the rest of the traffic, with 95% intervals and a verdict only where both sides have enough calls.
import { api } from "../api.js";
import { RANGES, el, emptyState, field, formatValue, rangeParams, select, table } from "../dom.js";

const VERDICTS = { higher: "state-firing", lower: "state-resolved" };

function interval(bounds, unit) {
  return bounds ? `${formatValue(bounds.low, unit)} – ${formatValue(bounds.high, unit)}` : "–";
}

function times(value) {
  return value === null || value === undefined ? "–" : `${value.toFixed(2)}×`;
}

function cell(value, bounds, unit, format = formatValue) {
  return el("td", {}, format(value, unit), el("br"), el("span", { class: "muted", text: interval(bounds, unit) }));
}

export async function render(root, { params, navigate }) {
  const range = params.get("range") || "1h";
  const [catalog, settings] = await Promise.all([api("/v1/metrics"), api("/v1/disparity/settings")]);
  const rates = catalog.filter((m) => m.kind === "rate").map((m) => m.name);
  const dimensions = ["language", ...settings.attributes];
  const metric = rates.includes(params.get("metric")) ? params.get("metric") : "groundedness.ungrounded_rate";
  const by = dimensions.includes(params.get("by")) ? params.get("by") : "language";
  const minSamples = params.get("min_samples") || "30";
  const found = await api("/v1/disparity", { params: { ...rangeParams(range), metric, by, min_samples: minSamples } });

  const form = el("form", { class: "filters card", "aria-label": "Compare groups" });
  form.append(
    field("dp-range", "Calls from", select("range", RANGES.map(([k, text]) => [k, text]), range)),
    field("dp-metric", "Metric", select("metric", rates, metric)),
    field("dp-by", "Groups by", select("by", dimensions, by)),
    field("dp-min", "Fewest calls for a verdict", el("input", { name: "min_samples", type: "number", min: "1", value: minSamples })),
    el("button", { type: "submit", text: "Show" }),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    navigate("disparity", Object.fromEntries([...new FormData(form)].filter(([, value]) => value)));
  });
  const watched = settings.attributes.length ? settings.attributes.join(", ") : "none";
  const intro = el("p", {
    class: "muted",
    text: `Each group's ${metric} against every other call (${formatValue(found.rate, "ratio")} over ${found.samples} overall). Attributes watched: ${watched} (PUT /v1/disparity/settings changes them).`,
  });
  const heading = el("h1", { text: "Disparity" });
  if (!found.segments.length) {
    const hint = by === "language"
      ? "The language comes from the language evaluator, on the user's last turn: no call in this range was scored yet, or none has this metric."
      : `No call in this range carries the attribute "${by}".`;
    root.replaceChildren(heading, form, intro, emptyState("No groups in this range", el("p", { text: hint })));
    return;
  }
  const rows = found.segments.map((s) =>
    el(
      "tr",
      { "data-segment": s.segment },
      el("th", { scope: "row", text: s.segment }),
      cell(s.rate, s.rate_ci, "ratio"),
      el("td", { text: `${s.samples} / ${s.rest_samples}` }),
      cell(s.rest_rate, s.rest_ci, "ratio"),
      cell(s.ratio, s.ratio_ci, "ratio", times),
      cell(s.difference, s.difference_ci, "ratio"),
      el("td", { class: VERDICTS[s.verdict] || "muted", "data-verdict": s.verdict, text: s.verdict.replace("_", " ") }),
    ),
  );
  root.replaceChildren(
    heading,
    form,
    intro,
    el(
      "section",
      { class: "card" },
      table(`${metric} by ${by}`, ["Group", "Rate (95% interval)", "Calls: group / rest", "Rest's rate", "Ratio to the rest", "Difference", "Verdict"], rows),
    ),
  );
}
