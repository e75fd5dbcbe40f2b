// Create or edit an alert rule: its channels with a "send test" button, and a live preview of the metric over the
// last day with when the rule would have fired (POST /v1/alert-rules/preview replays it through the engine).
import { api } from "../api.js";
import { lineChart } from "../chart.js";
import { el, formatTime, formatValue } from "../dom.js";
import { debounce, fieldset, form } from "../forms.js";
import { firingStrip } from "./rule-preview.js";

const COMPARATORS = [">", ">=", "<", "<=", "==", "!="];
const LABELS = ["model", "route", "prompt_version", "environment"];
const CHANNEL_TYPES = ["webhook", "slack", "pagerduty"];

function channelSpecs(index, channel = {}) {
  const url = channel.type === "slack" ? "" : channel.url;
  return fieldset(`Channel ${index + 1}`, [
    { name: `channels.${index}.type`, label: "Type", type: "select", options: CHANNEL_TYPES, value: channel.type || "webhook" },
    { name: `channels.${index}.url`, label: "URL", value: url, placeholder: "https://hooks.example.com/telltale", hint: "Slack: the incoming-webhook URL (write-only)." },
    { name: `channels.${index}.secret`, label: "Signing secret", placeholder: channel.type === "webhook" ? "write-only: enter it again" : "webhook only, 16+ characters" },
    { name: `channels.${index}.routing_key`, label: "Routing key", placeholder: "PagerDuty only" },
  ]);
}

// Channel slots left blank are not channels: a trailing slot with only its type set is dropped.
function withoutBlankChannels(body) {
  const channels = (body.channels || []).filter((c, i, all) => c.url || c.secret || c.routing_key || all.slice(i + 1).some((n) => n.url || n.secret || n.routing_key));
  return { ...body, channels };
}

export async function render(root, ruleId, navigate) {
  const [metrics, rule] = await Promise.all([api("/v1/metrics"), ruleId ? api(`/v1/alert-rules/${encodeURIComponent(ruleId)}`) : null]);
  const r = rule || {};
  const channels = r.channels && r.channels.length ? r.channels : [{}];
  const specs = [
    fieldset("What to watch", [
      { name: "name", label: "Name", value: r.name, placeholder: "error rate per model" },
      { name: "metric", label: "Metric", type: "select", options: metrics.map((m) => [m.name, `${m.name} (${m.unit})`]), value: r.metric || "error.rate" },
      { name: "filters.model", label: "Only models", type: "list", value: r.filters?.model, placeholder: "all" },
      { name: "filters.route", label: "Only routes", type: "list", value: r.filters?.route, placeholder: "all" },
      { name: "group_by", label: "One alert per", type: "list", value: r.group_by, hint: `Any of ${LABELS.join(", ")}.` },
      { name: "window", label: "Window", value: r.window || "5m", hint: "The metric over the last 30s, 5m, 1h…" },
    ]),
    fieldset("When it is a problem", [
      { name: "comparator", label: "Comparator", type: "select", options: COMPARATORS, value: r.comparator || ">" },
      { name: "threshold", label: "Threshold", type: "number", value: r.threshold ?? "" },
      { name: "min_samples", label: "Min samples", type: "number", value: r.min_samples ?? 20 },
      { name: "for", label: "For", value: r.for || "0s", hint: "Pending this long before firing." },
      { name: "keep_firing_for", label: "Keep firing for", value: r.keep_firing_for || "0s" },
      { name: "resolve_threshold", label: "Resolve threshold", type: "number", value: r.resolve_threshold ?? "", placeholder: "the threshold" },
      { name: "severity", label: "Severity", type: "select", options: ["critical", "error", "warning", "info"], value: r.severity || "warning" },
      { name: "enabled", label: "Enabled", type: "checkbox", value: r.enabled ?? true },
    ]),
    ...channels.map((channel, index) => channelSpecs(index, channel)),
  ];
  const editor = form({
    label: "Alert rule",
    specs,
    submit: ruleId ? "Save rule" : "Create rule",
    onSubmit: async (body) => {
      const saved = ruleId
        ? await api(`/v1/alert-rules/${encodeURIComponent(ruleId)}`, { method: "PUT", body: withoutBlankChannels(body) })
        : await api("/v1/alert-rules", { method: "POST", body: withoutBlankChannels(body) });
      if (!ruleId) navigate(`configure/rule/${saved.id}`, { saved: "1" });
      return `Saved rule ${saved.name}.`;
    },
  });

  const results = el("ul", { class: "probe", "aria-label": "Test sends" });
  // A test send of the form's channels (secrets as typed), or of the saved rule's (secrets as stored).
  const test = (path, body) => async () => {
    editor.clear();
    results.replaceChildren();
    try {
      const answers = await api(path, { method: "POST", body });
      if (!answers.length) editor.status("No channel to test: fill in a URL first.");
      results.replaceChildren(...answers.map((a) => el("li", { class: a.ok ? "state-resolved" : "state-firing", text: `${a.channel}: ${a.ok ? "delivered" : "failed"} (HTTP ${a.status_code || "–"})${a.error ? ` ${a.error}` : ""}` })));
    } catch (error) {
      editor.showError(error);
    }
  };
  const sendTest = el("button", { type: "button", class: "secondary", text: "Send test" });
  sendTest.addEventListener("click", () => test("/v1/alert-rules/test", withoutBlankChannels(editor.values() || {}))());
  if (ruleId) editor.actions.append(el("button", { type: "button", class: "secondary", text: "Send test to the saved channels", onclick: test(`/v1/alert-rules/${encodeURIComponent(ruleId)}/test`) }));
  editor.actions.append(sendTest);
  let slots = channels.length;
  const addChannel = el("button", { type: "button", class: "secondary", text: "Add a channel", onclick: () => editor.add(channelSpecs(slots++)) });
  editor.actions.append(addChannel);
  editor.node.append(results);

  const preview = el("section", { class: "card", "aria-labelledby": "rp-title" }, el("h2", { id: "rp-title", text: "Preview: the last 24 hours" }));
  const body = el("div", { class: "preview-body", role: "status" }, el("p", { class: "muted", text: "Fill in a threshold to see when the rule would have fired." }));
  preview.append(body);
  // The preview leaves the channels out: it sends nothing, and an edited rule's secrets are not typed in yet.
  const refresh = async () => {
    const spec = editor.values();
    if (!spec || spec.threshold === undefined) return;
    editor.clear();
    try {
      body.replaceChildren(drawPreview(await api("/v1/alert-rules/preview", { method: "POST", body: { ...spec, channels: [] } }), spec));
    } catch (error) {
      editor.showError(error);
      body.replaceChildren(el("p", { class: "muted", text: "No preview until the rule is valid." }));
    }
  };
  editor.onChange(debounce(refresh, 600));
  root.replaceChildren(
    el("p", {}, el("a", { href: "#/configure", text: "← Configure" })),
    el("h1", { text: ruleId ? `Alert rule: ${r.name}` : "New alert rule" }),
    el("div", { class: "form-and-preview" }, editor.node, preview),
  );
  refresh();
}

// The strip goes inside the chart's figure, so both share one width and one time axis.
function withStrip(chart, strip) {
  chart.append(strip);
  return chart;
}

function drawPreview(found, spec) {
  const { series, transitions, fired, step } = found;
  const lines = series.lines.map((line) => ({ name: Object.values(line.labels).join(", ") || series.metric, points: line.points }));
  const edges = series.lines[0]?.points || [];
  if (edges.length) lines.push({ name: `threshold ${spec.comparator} ${spec.threshold}`, points: [{ at: edges[0].at, value: spec.threshold }, { at: edges[edges.length - 1].at, value: spec.threshold }] });
  const firing = transitions.filter((t) => t.to_state === "firing");
  return el(
    "div",
    { "data-fired": fired },
    el("p", { class: fired ? "state-firing" : "state-resolved", text: fired ? `Would have fired ${fired} time(s) in the last 24 hours (evaluated every ${step / 60} min).` : `Would not have fired in the last 24 hours (evaluated every ${step / 60} min).` }),
    withStrip(lineChart(`${series.metric} (${series.unit})`, lines, series.unit), firingStrip(series, transitions)),
    firing.length
      ? el("ul", { class: "fired", "aria-label": "When it would have fired" }, firing.slice(-10).map((t) => el("li", { text: `${formatTime(t.at)}${Object.keys(t.labels).length ? ` · ${Object.entries(t.labels).map(([k, v]) => `${k}=${v}`).join(", ")}` : ""} · ${formatValue(t.value, series.unit)}` })))
      : null,
  );
}
