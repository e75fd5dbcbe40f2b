// Alerts: what fires, what is pending or resolved; one alert's history and delivery log; ack and silence.
import { api } from "../api.js";
import { el, emptyState, field, formatTime, formatValue, select, table } from "../dom.js";

const STATES = ["firing", "pending", "resolved", "inactive"];

function labelsText(labels) {
  return Object.entries(labels).map(([name, value]) => `${name}=${value}`).join(", ") || "–";
}

export async function render(root, { rest, params, navigate }) {
  if (rest.length) return renderAlert(root, rest[0], navigate);
  const state = params.get("state") || "";
  const [alerts, silences, rules] = await Promise.all([
    api("/v1/alerts", { params: { state } }),
    api("/v1/silences"),
    api("/v1/alert-rules"),
  ]);
  const form = el("form", { class: "filters card", "aria-label": "Filter alerts" });
  form.append(field("al-state", "State", select("state", STATES, state, "Any")), el("button", { type: "submit", text: "Show" }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    navigate("alerts", Object.fromEntries([...new FormData(form)].filter(([, value]) => value)));
  });
  const heading = el("h1", { text: "Alerts" });
  const parts = [heading, form];
  if (!rules.length) {
    parts.push(
      emptyState(
        "No alert rules yet",
        el("p", { text: "Rules watch a metric of the catalog and page on-call. Create one with an admin key, e.g.:" }),
        el("pre", {
          class: "snippet",
          text: `curl -H "Authorization: Bearer $ADMIN_KEY" ${window.location.origin}/v1/alert-rules -d '{"name": "error rate", "metric": "error.rate", "comparator": ">", "threshold": 0.05, "window": "5m", "min_samples": 20, "channels": [{"type": "webhook", "url": "https://hooks.example.com/telltale", "secret": "at-least-16-characters"}]}'`,
        }),
        el("p", {}, "The README's Alerting section lists the metrics; ", el("a", { href: "/docs", text: "/docs" }), " has the API."),
      ),
    );
  } else if (!alerts.length) {
    parts.push(emptyState(state ? `No ${state} alerts` : "No alerts yet", el("p", { text: `${rules.length} rule(s) are watching; an alert appears here as soon as one of them is pending.` })));
  } else {
    parts.push(
      el(
        "section",
        { class: "card" },
        table(
          "Alerts, firing first",
          ["State", "Rule", "Labels", "Value", "Since", "Acknowledged"],
          alerts.map((a) =>
            el(
              "tr",
              { "data-alert": a.fingerprint },
              el("td", { class: `state-${a.state}`, text: a.state }),
              el("td", {}, el("a", { href: `#/alerts/${encodeURIComponent(a.fingerprint)}`, text: a.rule_name || `${a.rule_id} (deleted rule)` })),
              el("td", { text: labelsText(a.labels) }),
              el("td", { text: formatValue(a.value, "") }),
              el("td", { text: formatTime(a.fired_at || a.active_since || a.resolved_at) }),
              el("td", { text: a.acknowledged ? `by ${a.acknowledged.acked_by}` : "–" }),
            ),
          ),
        ),
      ),
    );
  }
  parts.push(silenceList(silences, () => render(root, { rest, params, navigate })));
  root.replaceChildren(...parts);
}

function silenceList(silences, refresh) {
  const now = Date.now();
  const section = el("section", { class: "card", "aria-labelledby": "silences-title" }, el("h2", { id: "silences-title", text: "Silences" }));
  if (!silences.length) {
    section.append(el("p", { class: "muted", text: "No silences. Silence an alert from its page to mute its notifications for a while." }));
    return section;
  }
  const status = el("p", { class: "status", role: "status" });
  section.append(
    table(
      "Silences",
      ["Matchers", "Ends", "By", "Comment", ""],
      silences.map((s) => {
        const active = Date.parse(s.ends_at) > now;
        const expire = el("button", {
          type: "button",
          class: "secondary",
          text: "Expire",
          "aria-label": `Expire silence ${s.id || ""}`.trim(),
          onclick: async () => {
            try {
              await api(`/v1/silences/${encodeURIComponent(s.id)}/expire`, { method: "POST" });
              refresh();
            } catch (error) {
              status.textContent = `Could not expire: ${error.message}`;
            }
          },
        });
        return el(
          "tr",
          {},
          el("td", { text: s.matchers.map((m) => `${m.name}${m.op}${m.value}`).join(", ") }),
          el("td", { text: `${formatTime(s.ends_at)}${active ? "" : " (ended)"}` }),
          el("td", { text: s.created_by || "–" }),
          el("td", { text: s.comment || "" }),
          el("td", {}, active ? expire : ""),
        );
      }),
    ),
    status,
  );
  return section;
}

async function renderAlert(root, fingerprint, navigate) {
  const alert = await api(`/v1/alerts/${encodeURIComponent(fingerprint)}`);
  const refresh = () => renderAlert(root, fingerprint, navigate);
  const status = el("p", { class: "status", role: "status" });
  const meta = el("dl", { class: "meta" });
  const facts = [
    ["State", alert.state],
    ["Rule", alert.rule_name || `${alert.rule_id} (deleted)`],
    ["Labels", labelsText(alert.labels)],
    ["Value", `${formatValue(alert.value, "")} (${alert.samples} samples)`],
    ["Active since", formatTime(alert.active_since)],
    ["Fired at", formatTime(alert.fired_at)],
    ["Resolved at", formatTime(alert.resolved_at)],
    ...(alert.cleared_since ? [["Clear since", `${formatTime(alert.cleared_since)} (resolves if it stays clear for the rule's keep_firing_for)`]] : []),
    ["Acknowledged", alert.acknowledged ? `by ${alert.acknowledged.acked_by} at ${formatTime(alert.acknowledged.acked_at)}${alert.acknowledged.comment ? `: ${alert.acknowledged.comment}` : ""}` : "no"],
  ];
  for (const [name, value] of facts) meta.append(el("dt", { text: name }), el("dd", { class: name === "State" ? `state-${value}` : "", text: value }));

  const actions = el("section", { class: "card", "aria-labelledby": "al-actions" }, el("h2", { id: "al-actions", text: "Act" }));
  const open = alert.state === "firing" || alert.state === "pending";
  if (open && !alert.acknowledged) {
    const comment = el("input", { name: "comment", type: "text", placeholder: "optional" });
    const ack = el("form", { class: "actions", "aria-label": "Acknowledge" }, field("ack-comment", "Comment", comment), el("button", { type: "submit", text: "Acknowledge" }));
    ack.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        await api(`/v1/alerts/${encodeURIComponent(fingerprint)}/ack`, { method: "POST", body: { comment: comment.value } });
        await refresh();
        document.getElementById("al-status")?.replaceChildren("Acknowledged: repeats stop; the resolve will still be sent.");
      } catch (error) {
        status.textContent = `Could not acknowledge: ${error.message}`;
      }
    });
    actions.append(ack);
  } else {
    actions.append(el("p", { class: "muted", text: alert.acknowledged ? "This incident is acknowledged." : "Only a pending or firing alert can be acknowledged." }));
  }
  const hours = select("hours", [["1", "1 hour"], ["4", "4 hours"], ["24", "24 hours"], ["168", "7 days"]], "4");
  const silenceComment = el("input", { name: "comment", type: "text", placeholder: "optional" });
  const silence = el(
    "form",
    { class: "actions", "aria-label": "Silence" },
    field("silence-hours", "Silence for", hours),
    field("silence-comment", "Comment", silenceComment),
    el("button", { type: "submit", class: "secondary", text: "Silence" }),
  );
  silence.addEventListener("submit", async (event) => {
    event.preventDefault();
    const matchers = [{ name: "rule_id", value: alert.rule_id, op: "=" }, ...Object.entries(alert.labels).map(([name, value]) => ({ name, value, op: "=" }))];
    const ends = new Date(Date.now() + Number(hours.value) * 3600 * 1000).toISOString();
    try {
      await api("/v1/silences", { method: "POST", body: { matchers, ends_at: ends, comment: silenceComment.value } });
      status.textContent = `Silenced until ${formatTime(ends)}: notifications of this alert are muted.`;
    } catch (error) {
      status.textContent = `Could not silence: ${error.message}`;
    }
  });
  actions.append(silence, status);
  status.id = "al-status";

  const history = el("section", { class: "card", "aria-labelledby": "al-history" }, el("h2", { id: "al-history", text: "History" }));
  history.append(
    alert.history.length
      ? table("State changes, newest first", ["At", "From", "To", "Value", "Samples"], alert.history.map((h) => el("tr", {}, el("td", { text: formatTime(h.at) }), el("td", { text: h.from_state }), el("td", { text: h.to_state }), el("td", { text: formatValue(h.value, "") }), el("td", { text: h.samples }))))
      : el("p", { class: "muted", text: "No state changes recorded yet." }),
  );
  const deliveries = el("section", { class: "card", "aria-labelledby": "al-deliveries" }, el("h2", { id: "al-deliveries", text: "Delivery log" }));
  if (!alert.notifications.length) deliveries.append(el("p", { class: "muted", text: "No notification carried this alert yet (pending alerts and silenced ones are not sent)." }));
  for (const n of alert.notifications) {
    deliveries.append(
      el("h3", { text: `${n.channel} · ${n.body.reason || n.body.status || ""} · ${n.status} after ${n.attempts} attempt(s) · created ${formatTime(n.created_at)}` }),
      n.deliveries.length
        ? table(`Attempts of notification ${n.notification_id}`, ["At", "Attempt", "Outcome", "HTTP", "Error", "ms"], n.deliveries.map((d) => el("tr", {}, el("td", { text: formatTime(d.at) }), el("td", { text: d.attempt }), el("td", { text: d.outcome }), el("td", { text: d.status_code || "–" }), el("td", { text: d.error || "" }), el("td", { text: Math.round(d.duration_ms) }))))
        : el("p", { class: "muted", text: n.last_error || "Queued; not attempted yet." }),
    );
  }
  root.replaceChildren(el("p", {}, el("a", { href: "#/alerts", text: "← All alerts" })), el("h1", { text: "Alert" }), el("section", { class: "card", "aria-label": "Alert facts" }, meta), actions, history, deliveries);
}
