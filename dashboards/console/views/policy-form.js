// An evaluator's policy for this project: on or off, the share of events it judges, and which routes and models.
import { api } from "../api.js";
import { el } from "../dom.js";
import { form } from "../forms.js";

export async function render(root, name) {
  const evaluators = await api("/v1/evaluators");
  const found = evaluators.find((e) => e.name === name);
  if (!found) throw new Error(`no evaluator ${name}`);
  const p = found.policy;
  const editor = form({
    label: `Policy of ${name}`,
    specs: [
      { name: "enabled", label: "Enabled", type: "checkbox", value: p.enabled },
      { name: "sample_rate", label: "Sample rate", type: "number", value: p.sample_rate, hint: "0 to 1: the share of events judged, by event id." },
      { name: "routes", label: "Only routes", type: "list", value: p.routes, placeholder: "every route" },
      { name: "models", label: "Only models", type: "list", value: p.models, placeholder: "every model" },
    ],
    submit: "Save policy",
    onSubmit: async (body) => {
      const saved = await api(`/v1/evaluators/${encodeURIComponent(name)}`, { method: "PUT", body: { routes: [], models: [], ...body } });
      return `Saved: ${saved.policy.enabled ? `on for ${Math.round(saved.policy.sample_rate * 100)}% of events` : "off"}.`;
    },
  });
  root.replaceChildren(
    el("p", {}, el("a", { href: "#/configure", text: "← Configure" })),
    el("h1", { text: `Evaluator: ${name}` }),
    el("p", { class: "muted", text: `Version ${found.version}; needs ${found.requires.join(", ") || "nothing"}; cost ${found.cost}.` }),
    editor.node,
  );
}
