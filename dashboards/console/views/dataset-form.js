// Create or edit a dataset spec, with a live count of the stored events its query matches now
// (POST /v1/datasets/preview: the same WHERE clause curation runs).
import { api } from "../api.js";
import { el } from "../dom.js";
import { debounce, fieldset, form } from "../forms.js";

export async function render(root, datasetId, navigate) {
  const d = datasetId ? await api(`/v1/datasets/${encodeURIComponent(datasetId)}`) : {};
  const q = d.query || { last: "1h", match: "any", feedback: { negative: true } };
  const evaluator = (q.evaluators || [])[0] || {};
  const editor = form({
    label: "Dataset spec",
    specs: [
      fieldset("Dataset", [
        { name: "name", label: "Name", value: d.name, placeholder: "failures, last hour" },
        { name: "description", label: "Description", type: "textarea", value: d.description },
      ]),
      fieldset("Which events", [
        { name: "query.last", label: "Last", value: q.last, hint: "A window ending when a version is frozen: 1h, 1d… or use from/to.", placeholder: "1h" },
        { name: "query.start", label: "From (UTC)", type: "datetime", value: q.start },
        { name: "query.end", label: "To (UTC)", type: "datetime", value: q.end },
        { name: "query.model", label: "Models", type: "list", value: q.model, placeholder: "all" },
        { name: "query.route", label: "Routes", type: "list", value: q.route, placeholder: "all" },
        { name: "query.tags", label: "Tags (all of)", type: "list", value: q.tags },
        { name: "query.status", label: "Status", type: "list", value: q.status, placeholder: "ok, error" },
        { name: "query.match", label: "Failure conditions", type: "select", options: [["any", "any holds"], ["all", "all hold"]], value: q.match || "all" },
        { name: "query.feedback.negative", label: "Negative feedback", type: "checkbox", value: q.feedback?.negative },
        { name: "query.feedback.has_correction", label: "Has a correction", type: "checkbox", value: q.feedback?.has_correction },
        { name: "query.evaluators.0.evaluator", label: "Evaluator", value: evaluator.evaluator, placeholder: "groundedness, safety.*" },
        { name: "query.evaluators.0.labels", label: "With label", type: "list", value: evaluator.labels, placeholder: "ungrounded" },
      ]),
      fieldset("Sampling and processing", [
        { name: "sampling.limit", label: "At most", type: "number", value: d.sampling?.limit ?? "", placeholder: "no limit" },
        { name: "sampling.method", label: "Sampling", type: "select", options: ["newest", "random", "stratified"], value: d.sampling?.method || "newest" },
        { name: "sampling.stratify_by", label: "Stratify by", type: "select", options: [["", "–"], "model", "route", "prompt_version", "environment"], value: d.sampling?.stratify_by || "" },
        { name: "dedup", label: "Drop duplicate inputs", type: "checkbox", value: d.dedup ?? true },
        { name: "redact_pii", label: "Redact PII", type: "checkbox", value: d.redact_pii },
        { name: "continuous", label: "Continuous", type: "checkbox", value: d.continuous },
        { name: "schedule", label: "Freeze every", value: d.schedule, placeholder: "1d (continuous only)" },
      ]),
    ],
    submit: datasetId ? "Save dataset" : "Create dataset",
    onSubmit: async (body) => {
      const saved = datasetId
        ? await api(`/v1/datasets/${encodeURIComponent(datasetId)}`, { method: "PUT", body: tidy(body) })
        : await api("/v1/datasets", { method: "POST", body: tidy(body) });
      navigate(`datasets/${saved.id}`);
      return `Saved dataset ${saved.name}.`;
    },
  });
  const count = el("p", { class: "count", role: "status", "aria-label": "Matching events" });
  const refresh = async () => {
    const spec = editor.values();
    if (!spec) return;
    editor.clear();
    try {
      const found = await api("/v1/datasets/preview", { method: "POST", body: tidy(spec).query || {} });
      count.textContent = `${found.matching.toLocaleString("en")} stored event(s) match now (before sampling and dedup).`;
    } catch (error) {
      editor.showError(error, ["query"]);
      count.textContent = "No count until the query is valid.";
    }
  };
  editor.onChange(debounce(refresh, 500));
  editor.node.prepend(count);
  root.replaceChildren(
    el("p", {}, el("a", { href: "#/configure", text: "← Configure" })),
    el("h1", { text: datasetId ? `Dataset: ${d.name}` : "New dataset" }),
    editor.node,
  );
  refresh();
}

// An evaluator slot left blank is no condition; a feedback filter with nothing set is none.
function tidy(body) {
  const query = { ...(body.query || {}) };
  const evaluators = (query.evaluators || []).filter((e) => e.evaluator || e.labels);
  if (evaluators.length) query.evaluators = evaluators;
  else delete query.evaluators;
  if (query.feedback && !Object.values(query.feedback).some(Boolean)) delete query.feedback;
  return { ...body, query };
}
