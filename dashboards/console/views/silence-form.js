// Create a silence: label matchers (all must match) and a time box; the API checks the matchers and the times.
import { api } from "../api.js";
import { el } from "../dom.js";
import { fieldset, form } from "../forms.js";

const OPS = ["=", "!=", "=~", "!~"];
const SLOTS = 3;

function matcher(index, preset = {}) {
  return fieldset(`Matcher ${index + 1}`, [
    { name: `matchers.${index}.name`, label: "Label", value: preset.name, placeholder: index ? "optional" : "rule_id, model, severity…" },
    { name: `matchers.${index}.op`, label: "Operator", type: "select", options: OPS, value: preset.op || "=" },
    { name: `matchers.${index}.value`, label: "Value", value: preset.value },
  ]);
}

// Matcher slots left blank are dropped (from the end, so the API's locations still name the right slot).
function filled(body) {
  const matchers = body.matchers || [];
  while (matchers.length && !matchers[matchers.length - 1].name && !matchers[matchers.length - 1].value) matchers.pop();
  return { ...body, matchers };
}

export async function render(root, params, navigate) {
  const presets = [...params.entries()].filter(([name]) => name !== "saved").map(([name, value]) => ({ name, value }));
  const ends = new Date(Date.now() + 4 * 3600 * 1000).toISOString();
  const editor = form({
    label: "Silence",
    specs: [
      ...Array.from({ length: Math.max(SLOTS, presets.length) }, (_, i) => matcher(i, presets[i])),
      fieldset("When", [
        { name: "starts_at", label: "Starts (UTC)", type: "datetime", hint: "Empty: now." },
        { name: "ends_at", label: "Ends (UTC)", type: "datetime", value: ends },
        { name: "comment", label: "Comment", placeholder: "why, and who to ask" },
      ]),
    ],
    submit: "Create silence",
    onSubmit: async (body) => {
      const made = await api("/v1/silences", { method: "POST", body: filled(body) });
      navigate("alerts");
      return `Silence ${made.id} created.`;
    },
  });
  root.replaceChildren(
    el("p", {}, el("a", { href: "#/configure", text: "← Configure" })),
    el("h1", { text: "New silence" }),
    el("p", { class: "muted", text: "Firing alerts whose labels match every matcher send no notification until the silence ends." }),
    editor.node,
  );
}
