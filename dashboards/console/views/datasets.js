// Datasets: specs, versions, an item preview, freezing a version and exporting it in each format.
import { api, authorized } from "../api.js";
import { el, emptyState, formatTime, table } from "../dom.js";
import { versionDiff } from "./dataset-diff.js";

export const FORMATS = [
  ["jsonl", "JSONL (prompt flow)"],
  ["openai-evals", "OpenAI evals"],
  ["csv", "CSV"],
  ["parquet", "Parquet"],
];
const PREVIEW = 20;

function inputText(input) {
  if (typeof input === "string") return input;
  return input.filter((m) => m.role === "user").map((m) => (typeof m.content === "string" ? m.content : "")).join(" ");
}

// The export streams with the key in a header, so it is fetched and handed to the browser as a file.
export async function download(url, fallbackName, format, status) {
  status.textContent = `Exporting ${format}…`;
  const response = await authorized(url);
  if (!response.ok) {
    status.textContent = `Export failed: ${response.status} ${await response.text()}`;
    return;
  }
  const name = (response.headers.get("Content-Disposition") || "").match(/filename="([^"]+)"/)?.[1] || `${fallbackName}.${format}`;
  const href = URL.createObjectURL(await response.blob());
  const link = el("a", { href, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
  status.textContent = `Exported ${response.headers.get("Telltale-Item-Count")} item(s) as ${name}.`;
}

export async function render(root, { rest, navigate }) {
  if (rest.length) return renderDataset(root, rest[0], rest[1], navigate);
  const datasets = await api("/v1/datasets");
  const heading = el("h1", { text: "Datasets" });
  if (!datasets.length) {
    root.replaceChildren(
      heading,
      emptyState(
        "No datasets yet",
        el("p", { text: "A dataset turns production failures into an evaluation set: a curation query, sampling and dedup, frozen into immutable versions you can export. Create one with an admin key, e.g. the calls with negative feedback or an ungrounded answer in the last hour:" }),
        el("pre", {
          class: "snippet",
          text: `curl -H "Authorization: Bearer $ADMIN_KEY" -H "Content-Type: application/json" ${window.location.origin}/v1/datasets -d '{"name": "failures, last hour", "query": {"last": "1h", "match": "any", "feedback": {"negative": true}, "evaluators": [{"evaluator": "groundedness", "labels": ["ungrounded"]}]}}'`,
        }),
        el("p", {}, "The README's Datasets section describes the spec; ", el("a", { href: "/docs", text: "/docs" }), " has the API."),
      ),
    );
    return;
  }
  root.replaceChildren(
    heading,
    el(
      "section",
      { class: "card table-scroll" },
      table(
        "Datasets",
        ["Name", "Id", "Query", "Continuous", "Updated"],
        datasets.map((d) =>
          el(
            "tr",
            { "data-dataset": d.id },
            el("td", {}, el("a", { href: `#/datasets/${encodeURIComponent(d.id)}`, text: d.name })),
            el("td", { text: d.id }),
            el("td", { class: "preview", title: JSON.stringify(d.query), text: JSON.stringify(d.query) }),
            el("td", { text: d.continuous ? `yes (${d.schedule || "no schedule"})` : "no" }),
            el("td", { text: formatTime(d.updated_at) }),
          ),
        ),
      ),
    ),
  );
}

async function renderDataset(root, datasetId, chosen, navigate) {
  const [dataset, versions] = await Promise.all([
    api(`/v1/datasets/${encodeURIComponent(datasetId)}`),
    api(`/v1/datasets/${encodeURIComponent(datasetId)}/versions`),
  ]);
  const ref = chosen || (versions.length ? String(Math.max(...versions.map((v) => v.version))) : "draft");
  const page = await api(`/v1/datasets/${encodeURIComponent(datasetId)}/versions/${ref}/items`, { params: { limit: PREVIEW } });
  const status = el("p", { class: "status", role: "status" });

  const spec = el("section", { class: "card", "aria-labelledby": "ds-spec" }, el("h2", { id: "ds-spec", text: "Spec" }));
  spec.append(el("pre", { class: "text", text: JSON.stringify({ query: dataset.query, sampling: dataset.sampling, dedup: dataset.dedup, redact_pii: dataset.redact_pii }, null, 2) }));
  const freeze = el("button", {
    type: "button",
    text: "Freeze a new version",
    onclick: async () => {
      try {
        const made = await api(`/v1/datasets/${encodeURIComponent(datasetId)}/versions`, { method: "POST" });
        navigate(`datasets/${encodeURIComponent(datasetId)}/${made.version}`);
      } catch (error) {
        status.textContent = `Could not freeze: ${error.message}`;
      }
    },
  });
  spec.append(el("div", { class: "actions" }, freeze), status);

  const list = el("section", { class: "card", "aria-labelledby": "ds-versions" }, el("h2", { id: "ds-versions", text: "Versions" }));
  if (!versions.length) list.append(el("p", { class: "muted", text: "No version yet: freeze one to copy the matching calls into an immutable, exportable set." }));
  else {
    list.append(
      table(
        "Versions, newest first",
        ["Version", "Items", "Content hash", "Made", "By"],
        [...versions].sort((a, b) => b.version - a.version).map((v) =>
          el(
            "tr",
            { "data-version": v.version, "aria-current": String(v.version) === ref ? "true" : null },
            el("td", {}, el("a", { href: `#/datasets/${encodeURIComponent(datasetId)}/${v.version}`, text: `v${v.version}` })),
            el("td", { text: v.item_count }),
            el("td", { text: v.content_hash.slice(0, 16) }),
            el("td", { text: formatTime(v.created_at) }),
            el("td", { text: v.created_by }),
          ),
        ),
      ),
    );
  }

  const shown = ref === "draft" ? "the draft" : `version ${ref}`;
  const items = el("section", { class: "card", "aria-labelledby": "ds-items" }, el("h2", { id: "ds-items", text: `Items of ${shown}` }));
  if (ref !== "draft") {
    const exports = el("div", { class: "actions", role: "group", "aria-label": `Export ${shown}` });
    for (const [format, text] of FORMATS) {
      exports.append(el("button", { type: "button", class: "secondary", text: `Export ${text}`, onclick: () => download(`/v1/datasets/${encodeURIComponent(datasetId)}/versions/${ref}/export?format=${format}`, datasetId, format, status) }));
    }
    items.append(exports);
  }
  if (!page.items.length) items.append(el("p", { class: "muted", text: "No items." }));
  else {
    items.append(el("div", { class: "table-scroll" },
      table(
        `First ${PREVIEW} items`,
        ["#", "Input", "Output", "Ground truth", "Model", "Source event"],
        page.items.map((item) =>
          el(
            "tr",
            {},
            el("td", { text: item.position }),
            el("td", { class: "preview", title: inputText(item.input), text: inputText(item.input) }),
            el("td", { class: "preview", title: item.output || "", text: item.output || "–" }),
            el("td", { class: "preview", title: item.ground_truth || "", text: item.ground_truth || "–" }),
            el("td", { text: item.model }),
            el("td", {}, el("a", { href: `#/events/${encodeURIComponent(item.event_id)}`, text: item.event_id.slice(0, 8) })),
          ),
        ),
      ),
    ));
  }
  root.replaceChildren(
    el("p", {}, el("a", { href: "#/datasets", text: "← All datasets" })),
    el("h1", { text: dataset.name }),
    spec,
    list,
    /^\d+$/.test(ref) ? versionDiff(datasetId, Number(ref), versions.map((v) => v.version)) : null,
    items,
  );
}
