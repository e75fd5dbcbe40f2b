// Configure: what the project watches and whom it tells, each with a form to create or edit it.
import { api } from "../api.js";
import { el, table } from "../dom.js";
import * as datasetForm from "./dataset-form.js";
import * as monitorForm from "./monitor-form.js";
import * as policyForm from "./policy-form.js";
import * as ruleForm from "./rule-form.js";
import * as silenceForm from "./silence-form.js";

export async function render(root, { rest, params, navigate }) {
  const [kind, id] = rest;
  if (kind === "rule") return ruleForm.render(root, id, navigate);
  if (kind === "silence") return silenceForm.render(root, params, navigate);
  if (kind === "monitor") return monitorForm.render(root, id, navigate);
  if (kind === "dataset") return datasetForm.render(root, id, navigate);
  if (kind === "evaluator") return policyForm.render(root, id);
  const [rules, monitors, datasets, evaluators] = await Promise.all([
    api("/v1/alert-rules"),
    api("/v1/drift/monitors"),
    api("/v1/datasets"),
    api("/v1/evaluators"),
  ]);
  const section = (title, link, linkText, headings, rows) =>
    el(
      "section",
      { class: "card", "aria-label": title },
      el("h2", { text: title }),
      link ? el("p", {}, el("a", { href: link, text: linkText })) : null,
      rows.length ? table(title, headings, rows) : el("p", { class: "muted", text: "None yet." }),
    );
  const edit = (href, text) => el("a", { href, text });
  root.replaceChildren(
    el("h1", { text: "Configure" }),
    el("p", { class: "muted", text: "Creating and editing needs a key with the admin scope." }),
    section("Alert rules", "#/configure/rule", "New alert rule", ["Name", "Metric", "Condition", "Channels"], rules.map((r) => el("tr", {}, el("td", {}, edit(`#/configure/rule/${encodeURIComponent(r.id)}`, r.name)), el("td", { text: r.metric }), el("td", { text: `${r.comparator} ${r.threshold} over ${r.window}` }), el("td", { text: r.channels.map((c) => c.type).join(", ") || "–" })))),
    el("section", { class: "card", "aria-label": "Silences" }, el("h2", { text: "Silences" }), el("p", {}, el("a", { href: "#/configure/silence", text: "New silence" }), " · the Alerts page lists them and expires them.")),
    section("Drift monitors", "#/configure/monitor", "New drift monitor", ["Monitor", "Window", "Segments"], monitors.map((m) => el("tr", {}, el("td", {}, edit(`#/configure/monitor/${encodeURIComponent(m.monitor_id)}`, m.monitor_id)), el("td", { text: `${m.config.window_s} s` }), el("td", { text: m.config.segments.join(", ") })))),
    section("Dataset specs", "#/configure/dataset", "New dataset", ["Name", "Continuous"], datasets.map((d) => el("tr", {}, el("td", {}, edit(`#/configure/dataset/${encodeURIComponent(d.id)}`, d.name)), el("td", { text: d.continuous ? "yes" : "no" })))),
    section("Evaluator policies", null, "", ["Evaluator", "Policy"], evaluators.map((e) => el("tr", {}, el("td", {}, edit(`#/configure/evaluator/${encodeURIComponent(e.name)}`, e.name)), el("td", { text: e.policy.enabled ? `on, ${Math.round(e.policy.sample_rate * 100)}%${e.policy.routes.length ? `, routes ${e.policy.routes.join(", ")}` : ""}${e.policy.models.length ? `, models ${e.policy.models.join(", ")}` : ""}` : "off" })))),
  );
}
