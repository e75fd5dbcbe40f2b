// A dataset version against an earlier one: the items added, removed and changed, by the event they came from.
import { api } from "../api.js";
import { el, field, select } from "../dom.js";

const LISTED = 50;

function group(title, kind, ids, count) {
  if (!count) return null;
  return el(
    "div",
    { class: `diff-group diff-${kind}` },
    el("h3", { text: `${title} (${count})` }),
    el(
      "ul",
      { class: "diff-list", "aria-label": title },
      ids.map((id) => el("li", {}, el("a", { href: `#/events/${encodeURIComponent(id)}`, text: id }))),
    ),
    count > ids.length ? el("p", { class: "muted", text: `and ${count - ids.length} more` }) : null,
  );
}

async function show(target, datasetId, version, against) {
  target.replaceChildren(el("p", { class: "muted", text: "Comparing…" }));
  try {
    const diff = await api(`/v1/datasets/${encodeURIComponent(datasetId)}/versions/${version}/diff`, { params: { against, limit: LISTED } });
    const total = diff.added_count + diff.removed_count + diff.changed_count;
    const parts = [
      el("p", { class: "diff-summary", text: total ? `v${version} against v${against}: ${diff.added_count} added, ${diff.removed_count} removed, ${diff.changed_count} changed.` : `v${version} has the same items as v${against}.` }),
      group("Added", "added", diff.added, diff.added_count),
      group("Removed", "removed", diff.removed, diff.removed_count),
      group("Changed (same event, new content or annotation)", "changed", diff.changed, diff.changed_count),
    ];
    target.replaceChildren(...parts.filter(Boolean));
  } catch (error) {
    target.replaceChildren(el("p", { class: "error", role: "alert", text: `Could not compare: ${error.message}` }));
  }
}

// The "Changes" card of version `version`; `numbers`: every version number of the dataset.
export function versionDiff(datasetId, version, numbers) {
  const section = el("section", { class: "card", "aria-labelledby": "ds-diff" }, el("h2", { id: "ds-diff", text: `Changes in v${version}` }));
  const earlier = numbers.filter((n) => n < version).sort((a, b) => b - a);
  if (!earlier.length) {
    section.append(el("p", { class: "muted", text: `v${version} is the first version: every item in it is new.` }));
    return section;
  }
  const result = el("div", { role: "status", "aria-live": "polite" });
  const against = select("against", earlier.map((n) => [String(n), `v${n}`]), String(earlier[0]));
  against.addEventListener("change", () => show(result, datasetId, version, against.value));
  section.append(el("div", { class: "actions" }, field("ds-against", "Compare with", against)), result);
  show(result, datasetId, version, earlier[0]);
  return section;
}
