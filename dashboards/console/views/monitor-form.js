// Create or edit a drift monitor: its window, reference, segments and thresholds, as the API's MonitorConfig.
import { api } from "../api.js";
import { el } from "../dom.js";
import { fieldset, form } from "../forms.js";

const SEGMENTS = "model, route, prompt_version, environment, app, provider";

export async function render(root, monitorId, navigate) {
  const monitors = monitorId ? await api("/v1/drift/monitors") : [];
  const found = monitors.find((m) => m.monitor_id === monitorId);
  if (monitorId && !found) throw new Error(`no drift monitor ${monitorId}`);
  const c = found?.config || {};
  const ref = c.reference || {};
  const config = [
    { name: "config.name", label: "Name", value: c.name, placeholder: "hourly per model" },
    { name: "config.enabled", label: "Enabled", type: "checkbox", value: c.enabled ?? true },
    { name: "config.window_s", label: "Window (seconds)", type: "number", value: c.window_s ?? 3600 },
    { name: "config.segments", label: "Segments", type: "list", value: c.segments ?? ["model", "route"], hint: `Any of ${SEGMENTS}.` },
    { name: "config.top_k", label: "Top values per segment", type: "number", value: c.top_k ?? 5 },
    { name: "config.min_samples", label: "Min samples", type: "number", value: c.min_samples ?? 50 },
    { name: "config.drift_share", label: "Drift share", type: "number", value: c.drift_share ?? 0.3, hint: "A segment drifts when this share of its signals drifted." },
    { name: "config.settle_s", label: "Settle (seconds)", type: "number", value: c.settle_s ?? 60 },
  ];
  const reference = [
    { name: "config.reference.kind", label: "Compared with", type: "select", options: [["trailing", "trailing windows"], ["fixed", "a fixed range"], ["dataset", "a dataset version"]], value: ref.kind || "trailing" },
    { name: "config.reference.windows", label: "Trailing windows", type: "number", value: ref.windows ?? 24, hint: "Trailing only." },
    { name: "config.reference.start", label: "Fixed from (UTC)", type: "datetime", value: ref.start },
    { name: "config.reference.end", label: "Fixed to (UTC)", type: "datetime", value: ref.end },
    { name: "config.reference.dataset_id", label: "Dataset id", value: ref.dataset_id },
    { name: "config.reference.version", label: "Dataset version", type: "number", value: ref.version ?? "" },
  ];
  const editor = form({
    label: "Drift monitor",
    specs: [
      ...(monitorId ? [] : [{ name: "monitor_id", label: "Monitor id", placeholder: "hourly", hint: "Lowercase letters, digits, - and _." }]),
      fieldset("Windows and segments", config),
      fieldset("Reference", reference),
    ],
    submit: monitorId ? "Save monitor" : "Create monitor",
    locPrefix: monitorId ? ["config"] : [],
    onSubmit: async (body) => {
      if (monitorId) {
        await api(`/v1/drift/monitors/${encodeURIComponent(monitorId)}`, { method: "PUT", body: body.config });
        return `Saved monitor ${monitorId}.`;
      }
      const made = await api("/v1/drift/monitors", { method: "POST", body });
      navigate(`configure/monitor/${made.monitor_id}`);
      return `Created monitor ${made.monitor_id}.`;
    },
  });
  root.replaceChildren(
    el("p", {}, el("a", { href: "#/configure", text: "← Configure" })),
    el("h1", { text: monitorId ? `Drift monitor: ${monitorId}` : "New drift monitor" }),
    editor.node,
  );
}
