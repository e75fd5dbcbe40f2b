// Acting on one event: add it to a dataset with the reviewer's label, note and corrected answer (the item's ground
// truth, through the datasets API), or record an annotator's flag, correction or comment as feedback.
import { api, authorized } from "../api.js";
import { el, field, newEventId, select } from "../dom.js";

const FEEDBACK_KINDS = [
  ["flag", "Flag (the answer is wrong)"],
  ["correction", "Correction (the right answer)"],
  ["comment", "Comment"],
];

function toDataset(event, corrections) {
  const status = el("p", { class: "status", role: "status" });
  const chooser = select("dataset", [], "", "Loading datasets…");
  chooser.required = true;
  const label = el("input", { name: "label", maxlength: 200, placeholder: "e.g. wrong refund policy" });
  const note = el("textarea", { name: "note", rows: 2, maxlength: 10000 });
  const corrected = el("textarea", { name: "corrected_answer", rows: 4, maxlength: 200000 });
  corrected.value = corrections.at(-1) || "";
  const submit = el("button", { type: "submit", text: "Add to dataset", disabled: true });
  const form = el(
    "form",
    { class: "act", "aria-labelledby": "act-dataset" },
    el("h3", { id: "act-dataset", text: "Add to a dataset" }),
    el("p", { class: "muted", text: "The call goes into the dataset's draft (the next frozen version includes it); the corrected answer becomes its ground truth." }),
    field("act-ds", "Dataset", chooser),
    field("act-label", "Label", label),
    field("act-note", "Note", note),
    field("act-corrected", "Corrected answer (ground truth)", corrected),
    el("div", { class: "actions" }, submit),
    status,
  );
  let names = {};
  api("/v1/datasets").then(
    (datasets) => {
      names = Object.fromEntries(datasets.map((d) => [d.id, d.name]));
      chooser.replaceChildren(...select("dataset", datasets.map((d) => [d.id, d.name]), "", "Choose a dataset").children);
      submit.disabled = !datasets.length;
      if (!datasets.length) status.replaceChildren("No dataset yet: ", el("a", { href: "#/datasets", text: "create one" }), " first.");
    },
    (error) => {
      status.textContent = `Could not list datasets: ${error.message}`;
    },
  );
  form.addEventListener("submit", async (submitted) => {
    submitted.preventDefault();
    const datasetId = chooser.value;
    const path = `/v1/datasets/${encodeURIComponent(datasetId)}`;
    const annotation = { label: label.value.trim(), note: note.value.trim(), corrected_answer: corrected.value.trim() || null };
    submit.disabled = true;
    status.textContent = "Adding…";
    try {
      const made = await api(`${path}/items`, { method: "POST", body: { event_ids: [event.event_id] } });
      const annotated = annotation.label || annotation.note || annotation.corrected_answer;
      if (annotated) await api(`${path}/items/${event.event_id}/annotation`, { method: "PUT", body: annotation });
      status.replaceChildren(
        `${made.added ? "Added to" : "Already in"} “${names[datasetId]}”${annotated ? ", with its annotation saved" : ""}. `,
        el("a", { href: `#/datasets/${encodeURIComponent(datasetId)}/draft`, text: "Open the draft" }),
      );
    } catch (error) {
      status.textContent = `Not added: ${error.message}`;
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function asFeedback(event, onSaved) {
  const status = el("p", { class: "status", role: "status" });
  const kind = select("kind", FEEDBACK_KINDS, "flag");
  const text = el("textarea", { name: "text", rows: 3, maxlength: 100000 });
  const form = el(
    "form",
    { class: "act", "aria-labelledby": "act-feedback" },
    el("h3", { id: "act-feedback", text: "Annotate as feedback" }),
    el("p", { class: "muted", text: "Recorded as annotator feedback on this call: it counts in the negative-feedback rate and goes into datasets curated by feedback." }),
    field("act-kind", "Kind", kind),
    field("act-text", "Correction or comment", text),
    el("div", { class: "actions" }, el("button", { type: "submit", class: "secondary", text: "Save feedback" })),
    status,
  );
  form.addEventListener("submit", async (submitted) => {
    submitted.preventDefault();
    const words = text.value.trim();
    const body = { event_id: newEventId(), inference_id: event.event_id, ts: new Date().toISOString(), kind: kind.value, source: "annotator" };
    if (kind.value === "correction") body.correction = words;
    else if (words) body.comment = words;
    status.textContent = "Saving…";
    const response = await authorized("/v1/feedback", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify([body]) });
    const answer = await response.json().catch(() => null);
    if (response.ok) return onSaved();
    const reasons = (answer?.items?.[0]?.errors || []).map((e) => (e.field ? `${e.field}: ${e.reason}` : e.reason));
    status.textContent = `Not saved: ${response.status}: ${reasons.join("; ") || (typeof answer?.detail === "string" ? answer.detail : response.statusText)}`;
  });
  return form;
}

// The section at the end of an event's page; `onSaved` re-reads the event when feedback was recorded.
export function actions(event, feedback, onSaved) {
  const corrections = feedback.map((item) => item.feedback.correction).filter(Boolean);
  return el(
    "section",
    { class: "card", "aria-labelledby": "ev-act" },
    el("h2", { id: "ev-act", text: "Act on this call" }),
    el("div", { class: "act-forms" }, toDataset(event, corrections), asFeedback(event, onSaved)),
  );
}
