// One small form module for every create/edit form: fields named by their path in the API body ("config.window_s",
// "channels.0.url"), values collected into that body, and the API's 422 detail shown next to the field each names.
import { ApiError } from "./api.js";
import { el } from "./dom.js";

let counter = 0;

// A control for one field spec: {name, label, type, options, value, hint, placeholder}.
function control(spec) {
  const value = spec.value ?? "";
  const attrs = { name: spec.name, placeholder: spec.placeholder, "data-type": spec.type || "text" };
  if (spec.type === "checkbox") return el("input", { ...attrs, type: "checkbox", checked: Boolean(spec.value) });
  if (spec.type === "select") {
    const node = el("select", attrs);
    for (const option of spec.options) {
      const [optionValue, text] = Array.isArray(option) ? option : [option, option];
      node.append(el("option", { value: optionValue, text, selected: String(optionValue) === String(value) }));
    }
    return node;
  }
  if (spec.type === "textarea" || spec.type === "json") {
    const node = el("textarea", { ...attrs, rows: spec.rows || 3 });
    node.value = spec.type === "json" && value !== "" ? JSON.stringify(value, null, 2) : value;
    return node;
  }
  const input = el("input", { ...attrs, type: spec.type === "number" ? "text" : spec.type === "datetime" ? "datetime-local" : "text", inputmode: spec.type === "number" ? "decimal" : undefined });
  input.value = spec.type === "list" ? (value || []).join(", ") : spec.type === "datetime" && value ? String(value).slice(0, 16) : value;
  return input;
}

// The value a control stands for in the body; undefined leaves the field out, so the API's default applies.
function read(node) {
  const type = node.dataset.type;
  if (type === "checkbox") return node.checked;
  const raw = node.value.trim();
  if (raw === "") return undefined;
  if (type === "number") return Number.isFinite(Number(raw)) ? Number(raw) : raw;
  if (type === "list") return raw.split(",").map((item) => item.trim()).filter(Boolean);
  if (type === "datetime") return `${raw.length === 16 ? `${raw}:00` : raw}Z`;
  if (type === "json") return JSON.parse(raw);
  return raw;
}

function put(target, path, value) {
  const keys = path.split(".");
  let node = target;
  keys.slice(0, -1).forEach((key, i) => {
    if (node[key] === undefined) node[key] = /^\d+$/.test(keys[i + 1]) ? [] : {};
    node = node[key];
  });
  node[keys[keys.length - 1]] = value;
}

// Whether every segment of the field's path appears in the error's location, in order (a union's tag, such as
// "webhook" in channels.0.webhook.secret, may sit between them); the longest such field is the one it names.
function names(path, loc) {
  let i = 0;
  for (const part of loc) if (i < path.length && String(part) === path[i]) i += 1;
  return i === path.length && String(loc[0]) === path[0];
}

export function fieldset(legend, specs) {
  return { legend, specs };
}

// specs: field specs and fieldset(...) groups. onSubmit(body) returns a promise of a status text.
export function form({ label, specs, submit, onSubmit, locPrefix = [] }) {
  const fields = new Map();
  const formError = el("p", { class: "error form-error", role: "alert" });
  const status = el("p", { class: "status", role: "status" });
  const node = el("form", { class: "card edit", "aria-label": label, novalidate: true });
  const changes = [];

  function build(spec) {
    const id = `f${++counter}`;
    const input = control(spec);
    input.id = id;
    const error = el("p", { class: "error field-error", id: `${id}-error` });
    input.setAttribute("aria-describedby", `${id}-error${spec.hint ? ` ${id}-hint` : ""}`);
    input.addEventListener("input", () => changes.forEach((change) => change()));
    fields.set(spec.name, { input, error, spec });
    const labelNode = el("label", { for: id, text: spec.label });
    const hint = spec.hint ? el("p", { class: "muted hint", id: `${id}-hint`, text: spec.hint }) : null;
    const wrap = spec.type === "checkbox" ? el("div", { class: "field check" }, input, labelNode) : el("div", { class: "field" }, labelNode, input);
    wrap.append(...[hint, error].filter(Boolean));
    return wrap;
  }

  function group(item) {
    if (!item.specs) return build(item);
    return el("fieldset", {}, el("legend", { text: item.legend }), el("div", { class: "fields" }, item.specs.map(build)));
  }

  function clear() {
    formError.textContent = "";
    status.textContent = "";
    for (const { input, error } of fields.values()) {
      error.textContent = "";
      input.removeAttribute("aria-invalid");
    }
  }

  function fieldError(name, message) {
    const found = fields.get(name);
    found.error.textContent = message;
    found.input.setAttribute("aria-invalid", "true");
  }

  // The body the fields describe; a field that cannot be read (bad JSON) is marked and the body is null.
  function values() {
    const body = {};
    let ok = true;
    for (const [name, { input }] of fields) {
      try {
        const value = read(input);
        if (value !== undefined) put(body, name, value);
      } catch (error) {
        fieldError(name, `not valid JSON: ${error.message}`);
        ok = false;
      }
    }
    return ok ? body : null;
  }

  // An API error: each 422 detail next to the field its location names, the rest (and other errors) on the form.
  function showError(error, prefix = locPrefix) {
    if (!(error instanceof ApiError && error.status === 422 && Array.isArray(error.detail))) {
      formError.textContent = error.message;
      return;
    }
    const general = [];
    for (const detail of error.detail) {
      const loc = [...prefix, ...detail.loc.slice(["body", "query", "path"].includes(detail.loc[0]) ? 1 : 0)];
      const match = [...fields.keys()].map((name) => name.split(".")).filter((path) => names(path, loc)).sort((a, b) => b.length - a.length)[0];
      if (match) fieldError(match.join("."), detail.msg);
      else general.push(loc.length ? `${loc.join(".")}: ${detail.msg}` : detail.msg);
    }
    formError.textContent = general.join("; ");
  }

  node.append(...specs.map(group), formError, el("div", { class: "actions" }, el("button", { type: "submit", text: submit })), status);
  node.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear();
    const body = values();
    if (body === null) return;
    try {
      status.textContent = await onSubmit(body);
    } catch (error) {
      showError(error);
    }
  });

  return {
    node,
    values,
    clear,
    showError,
    status: (text) => {
      status.textContent = text;
    },
    onChange: (callback) => changes.push(callback),
    add: (item) => formError.before(group(item)),
    actions: node.querySelector(".actions"),
  };
}

// A callback run once the calls to the returned function stop for `ms`: a live preview that waits for typing to end.
export function debounce(callback, ms = 500) {
  let timer;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(callback, ms);
  };
}
