// The console shell: sign-in, the navigation built from the list of views, and a hash router.
import { api, ApiError, savedKey, saveKey } from "./api.js";
import { el } from "./dom.js";
import * as alerts from "./views/alerts.js";
import * as configure from "./views/configure.js";
import * as datasets from "./views/datasets.js";
import * as drift from "./views/drift.js";
import * as events from "./views/events.js";
import * as overview from "./views/overview.js";
import * as session from "./views/session.js";
import * as trace from "./views/trace.js";
import * as review from "./views/review.js";

// One entry per view: a new view is one more module and one more line here (`hidden`: reached by links, not the nav).
const VIEWS = [
  { path: "overview", title: "Overview", view: overview },
  { path: "events", title: "Events", view: events },
  { path: "drift", title: "Drift", view: drift },
  { path: "alerts", title: "Alerts", view: alerts },
  { path: "datasets", title: "Datasets", view: datasets },
  { path: "configure", title: "Configure", view: configure },
  { path: "traces", title: "Trace", view: trace, hidden: true },
  { path: "sessions", title: "Session", view: session, hidden: true },
  { path: "review", title: "Review", view: review },
];

const $ = (id) => document.getElementById(id);

function route() {
  const hash = window.location.hash.replace(/^#\/?/, "");
  const [pathPart, query = ""] = hash.split("?");
  const parts = pathPart.split("/").filter(Boolean).map(decodeURIComponent);
  const entry = VIEWS.find((v) => v.path === parts[0]) || VIEWS[0];
  return { entry, rest: parts.slice(1), params: new URLSearchParams(query) };
}

export function navigate(path, params) {
  const query = params ? new URLSearchParams(params).toString() : "";
  window.location.hash = `#/${path}${query ? `?${query}` : ""}`;
}

function showSignIn(message = "") {
  $("sign-in").hidden = false;
  $("view").hidden = true;
  $("nav").hidden = true;
  $("sign-out").hidden = true;
  $("sign-in-error").textContent = message;
  $("api-key").focus();
}

let generation = 0;

// Each render fills a fresh container and shows it only if no newer navigation started meanwhile.
async function render() {
  const mine = ++generation;
  if (!savedKey()) return showSignIn();
  const { entry, rest, params } = route();
  $("sign-in").hidden = true;
  $("nav").hidden = false;
  $("sign-out").hidden = false;
  for (const link of $("nav").querySelectorAll("a")) {
    if (link.dataset.view === entry.path) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const view = $("view");
  view.hidden = false;
  view.replaceChildren(el("p", { class: "muted", role: "status", text: "Loading…" }));
  document.title = `${entry.title} · Telltale`;
  const target = el("div");
  try {
    await entry.view.render(target, { rest, params, navigate });
  } catch (error) {
    if (mine !== generation || (error instanceof ApiError && error.status === 401)) return;
    target.replaceChildren(el("p", { class: "error", role: "alert", text: `Could not load this view: ${error.message}` }));
  }
  if (mine === generation) view.replaceChildren(target);
}

async function signIn(event) {
  event.preventDefault();
  const key = $("api-key").value.trim();
  try {
    await api("/v1/metrics", { key });
  } catch (error) {
    const reason = error instanceof ApiError && error.status === 403 ? "this key lacks the read scope" : error.message;
    $("sign-in-error").textContent = `Sign-in failed: ${reason}`;
    return;
  }
  saveKey(key);
  $("api-key").value = "";
  if (!window.location.hash) navigate("overview");
  else render();
  $("main").focus();
}

function start() {
  $("nav").replaceChildren(...VIEWS.filter((v) => !v.hidden).map((v) => el("a", { href: `#/${v.path}`, "data-view": v.path, text: v.title })));
  $("sign-in-form").addEventListener("submit", signIn);
  document.querySelector(".skip").addEventListener("click", (event) => {
    event.preventDefault();
    $("main").focus();
  });
  $("sign-out").addEventListener("click", () => {
    saveKey(null);
    showSignIn();
  });
  window.addEventListener("hashchange", render);
  window.addEventListener("telltale:unauthorized", () => {
    if (!savedKey()) return;
    saveKey(null);
    generation += 1;
    showSignIn("That key was refused (invalid, revoked or expired). Sign in again.");
  });
  render();
}

start();
