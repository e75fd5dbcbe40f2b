// Review: annotation queues, taking an item and reviewing it against the queue's schema, and how far reviewers
// agree with each other and with the evaluators. Taking and reviewing need a key with the `review` scope.
import { api, ApiError } from "../api.js";
import { el, emptyState, formatNumber, formatTime, table } from "../dom.js";
import { download, FORMATS } from "./datasets.js";

const percent = (value) => (value === null || value === undefined ? "–" : `${Math.round(value * 100)}%`);
const number = (value) => (value === null || value === undefined ? "–" : formatNumber(value, 3));
const queuePath = (queueId) => `/v1/queues/${encodeURIComponent(queueId)}`;

export async function render(root, { rest }) {
  if (rest.length) return renderQueue(root, rest[0]);
  const queues = await api("/v1/queues");
  const heading = el("h1", { text: "Review" });
  if (!queues.length) {
    root.replaceChildren(
      heading,
      emptyState(
        "No review queues yet",
        el("p", { text: "A queue takes in production calls that match a filter (the dataset query) and asks reviewers what its schema says. Create one with an admin key, e.g. calls with negative feedback, two reviewers each:" }),
        el("pre", {
          class: "snippet",
          text: `curl -H "Authorization: Bearer $ADMIN_KEY" ${window.location.origin}/v1/queues -d '{"name": "negative feedback", "filter": {"last": "1d", "feedback": {"negative": true}}, "reviews_required": 2, "schema": {"categories": ["hallucination", "fine"], "score": true, "corrected_answer": true, "verdicts": [{"evaluator": "groundedness", "metric": "score", "label": "ungrounded", "score": "details.min_support"}]}}'`,
        }),
      ),
    );
    return;
  }
  root.replaceChildren(
    heading,
    el(
      "section",
      { class: "card" },
      table(
        "Review queues",
        ["Name", "Items", "Complete", "Open", "Reviews per item", "Sample rate"],
        queues.map((q) =>
          el(
            "tr",
            { "data-queue": q.id },
            el("td", {}, el("a", { href: `#/review/${encodeURIComponent(q.id)}`, text: q.name })),
            el("td", { text: q.progress.items }),
            el("td", { text: q.progress.complete }),
            el("td", { text: q.progress.open }),
            el("td", { text: q.reviews_required }),
            el("td", { text: percent(q.sample_rate) }),
          ),
        ),
      ),
    ),
  );
}

async function renderQueue(root, queueId) {
  const queue = await api(queuePath(queueId));
  const status = el("p", { class: "status", role: "status" });
  const work = el("section", { class: "card", "aria-labelledby": "rv-work" }, el("h2", { id: "rv-work", text: "Review an item" }));
  const take = el("button", { type: "button", text: "Take the next item", onclick: () => takeNext(queue, work, take, status) });
  work.append(el("p", { class: "muted", text: `${queue.progress.open} of ${queue.progress.items} item(s) still need reviews; each needs ${queue.reviews_required}.` }), el("div", { class: "actions" }, take), status);

  const exportStatus = el("p", { class: "status", role: "status" });
  const exports = el("div", { class: "actions", role: "group", "aria-label": "Export the reviewed items" });
  for (const [format, text] of FORMATS) {
    exports.append(el("button", { type: "button", class: "secondary", text: `Export ${text}`, onclick: () => download(`${queuePath(queueId)}/export?format=${format}`, queueId, format, exportStatus) }));
  }
  const reviewed = el("section", { class: "card", "aria-labelledby": "rv-export" }, el("h2", { id: "rv-export", text: `Reviewed items (${queue.progress.complete})` }), exports, exportStatus);

  root.replaceChildren(el("p", {}, el("a", { href: "#/review", text: "← All queues" })), el("h1", { text: queue.name }), work, await agreementCard(queueId), reviewed);
}

async function takeNext(queue, work, take, status) {
  status.textContent = "Taking an item…";
  work.querySelector("form")?.remove();
  let item;
  try {
    item = await api(`${queuePath(queue.id)}/claim`, { method: "POST" });
  } catch (error) {
    status.textContent = error instanceof ApiError && error.status === 403 ? "Taking items needs a key with the review scope." : `Could not take an item: ${error.message}`;
    return;
  }
  if (!item) {
    status.textContent = "Nothing left for you in this queue.";
    return;
  }
  status.textContent = `Item ${item.event_id} is yours until ${formatTime(item.claim.expires_at)}.`;
  take.hidden = true;
  work.append(reviewForm(queue, item, () => {
    take.hidden = false;
    take.focus();
  }, status));
}

function inputText(input) {
  if (typeof input === "string") return input;
  return input.map((m) => `${m.role}: ${typeof m.content === "string" ? m.content : (m.content || []).map((p) => p.text || "").join(" ")}`).join("\n");
}

function eventBlock(detail) {
  const event = detail.event;
  const passages = el("ol", { class: "passages" }, (event.contexts || []).map((c) => el("li", {}, el("p", { class: "text", text: c.text }), c.source ? el("p", { class: "muted", text: c.source }) : null)));
  const verdicts = table(
    "Evaluator verdicts",
    ["Evaluator", "Metric", "Label", "Value"],
    detail.evaluations.map((e) => el("tr", {}, el("td", { text: e.evaluator }), el("td", { text: e.metric }), el("td", { text: e.label || "–" }), el("td", { text: number(e.value) }))),
  );
  const feedback = detail.feedback.map((f) => el("li", { text: `${f.feedback.source} ${f.feedback.kind}${f.feedback.value !== null && f.feedback.value !== undefined ? ` ${f.feedback.value}` : ""}${f.feedback.comment ? `: ${f.feedback.comment}` : ""}` }));
  return el(
    "div",
    { class: "review-event" },
    el("h3", { text: "Input" }),
    el("p", { class: "text", text: inputText(event.input) }),
    el("h3", { text: "Output" }),
    el("p", { class: "text", text: event.output || "–" }),
    el("h3", { text: `Passages (${(event.contexts || []).length})` }),
    passages,
    el("h3", { text: "Evaluator verdicts" }),
    detail.evaluations.length ? verdicts : el("p", { class: "muted", text: "No evaluator scored this call." }),
    el("h3", { text: "Feedback" }),
    feedback.length ? el("ul", {}, feedback) : el("p", { class: "muted", text: "None." }),
  );
}

function choice(type, name, value, text, id) {
  return el("div", { class: "choice" }, el("input", { type, name, value, id }), el("label", { for: id, text }));
}

function reviewForm(queue, item, done, status) {
  const schema = item.schema;
  const form = el("form", { "aria-label": "Review" });
  form.append(eventBlock(item.detail));
  if (schema.categories.length) {
    const type = schema.multiple ? "checkbox" : "radio";
    form.append(el("fieldset", {}, el("legend", { text: "Category" }), schema.categories.map((c, i) => choice(type, "category", c, c, `rv-cat-${i}`))));
  }
  if (schema.score) {
    const score = el("select", { name: "score", id: "rv-score" }, el("option", { value: "", text: "–" }), [1, 2, 3, 4, 5].map((n) => el("option", { value: n, text: String(n) })));
    form.append(el("div", { class: "field" }, el("label", { for: "rv-score", text: "Score (1 bad – 5 good)" }), score));
  }
  if (schema.text) form.append(el("div", { class: "field" }, el("label", { for: "rv-text", text: "Notes" }), el("textarea", { name: "text", id: "rv-text", rows: 3 })));
  if (schema.corrected_answer) form.append(el("div", { class: "field" }, el("label", { for: "rv-corrected", text: "Corrected answer" }), el("textarea", { name: "corrected", id: "rv-corrected", rows: 4 })));
  item.questions.forEach((q, i) => {
    form.append(el("fieldset", { "data-question": q.key }, el("legend", { text: q.text }), choice("radio", `verdict-${i}`, "yes", "Yes", `rv-q${i}-yes`), choice("radio", `verdict-${i}`, "no", "No", `rv-q${i}-no`)));
  });
  form.append(el("div", { class: "actions" }, el("button", { type: "submit", text: "Submit review" })));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = { categories: data.getAll("category"), verdicts: {} };
    if (schema.score && data.get("score")) body.score = Number(data.get("score"));
    if (schema.text) body.text = data.get("text");
    if (schema.corrected_answer && data.get("corrected")) body.corrected_answer = data.get("corrected");
    item.questions.forEach((q, i) => {
      const answer = data.get(`verdict-${i}`);
      if (answer) body.verdicts[q.key] = answer === "yes";
    });
    try {
      const saved = await api(`${queuePath(queue.id)}/items/${encodeURIComponent(item.event_id)}/reviews`, { method: "POST", body });
      form.remove();
      status.textContent = saved.complete ? "Review saved: the item is complete." : "Review saved: it waits for another reviewer.";
      done();
    } catch (error) {
      status.textContent = `Could not save the review: ${error.message}`;
    }
  });
  return form;
}

async function agreementCard(queueId) {
  const card = el("section", { class: "card", "aria-labelledby": "rv-agreement" }, el("h2", { id: "rv-agreement", text: "Agreement" }));
  let agreement;
  try {
    agreement = await api(`${queuePath(queueId)}/agreement`);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 403)) throw error;
    card.append(el("p", { class: "muted", text: "Agreement needs a key with the read scope." }));
    return card;
  }
  const reviewers = agreement.reviewers;
  card.append(el("h3", { text: `Between reviewers (${reviewers.items_reviewed_twice} item(s) reviewed twice)` }));
  card.append(table("Reviewer agreement", ["Field", "Items", "Agreement", "Cohen's kappa"], reviewers.fields.map((f) => el("tr", {}, el("td", { text: f.field }), el("td", { text: f.items }), el("td", { text: percent(f.percent_agreement) }), el("td", { text: number(f.kappa) })))));
  for (const e of agreement.evaluators) {
    const c = e.confusion;
    const t = e.threshold;
    card.append(
      el("h3", { text: `${e.question} against reviewers` }),
      el("p", { class: "muted", text: `${e.reviewed} agreed item(s), ${e.disputed} disputed, ${e.unscored} not scored by the evaluator.` }),
      table(`Evaluator agreement ${e.question}`, ["Precision", "Recall", "True pos.", "False pos.", "False neg.", "True neg.", "Kappa"], [el("tr", {}, [percent(c.precision), percent(c.recall), c.tp, c.fp, c.fn, c.tn, number(e.kappa)].map((v) => el("td", { text: v })))]),
      table(`Per day ${e.question}`, ["Day", "Precision", "Recall", "Items"], e.by_day.map((d) => el("tr", {}, el("td", { text: d.day }), el("td", { text: percent(d.confusion.precision) }), el("td", { text: percent(d.confusion.recall) }), el("td", { text: d.confusion.tp + d.confusion.fp + d.confusion.fn + d.confusion.tn })))),
      el("p", { class: "threshold", text: t.suggested === null ? `Suggested threshold: none yet (${t.reason}).` : `Suggested threshold (shown, not applied): ${e.label} when ${t.over} ${t.positive_when} ${number(t.suggested)} — balanced accuracy ${percent(t.balanced_accuracy)} (now ${percent(t.current_balanced_accuracy)}), precision ${percent(t.precision)}, recall ${percent(t.recall)}.` }),
    );
  }
  return card;
}
