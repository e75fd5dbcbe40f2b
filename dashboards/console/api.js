// The API client: the signed-in key on every request, errors turned into messages people can act on.

const STORAGE = "telltale.key";

export function savedKey() {
  return sessionStorage.getItem(STORAGE);
}

export function saveKey(key) {
  if (key) sessionStorage.setItem(STORAGE, key);
  else sessionStorage.removeItem(STORAGE);
}

export class ApiError extends Error {
  constructor(status, message, detail) {
    super(message);
    this.status = status;
    this.detail = detail;
  }
}

export async function api(path, { method = "GET", params, body, key = savedKey() } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(params || {})) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== undefined && item !== null && item !== "") url.searchParams.append(name, item);
    }
  }
  const headers = body === undefined ? {} : { "Content-Type": "application/json" };
  const response = await authorized(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), key });
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const detail = data && data.detail;
    const text = typeof detail === "string" ? detail : JSON.stringify(detail || response.statusText);
    throw new ApiError(response.status, `${response.status}: ${text}`, detail);
  }
  return data;
}

// A request with the signed-in key, for answers that are not JSON (a report, an export); a 401 signs out.
export async function authorized(url, { method = "GET", headers = {}, body, key = savedKey() } = {}) {
  const response = await fetch(url, { method, headers: { ...headers, Authorization: `Bearer ${key}` }, body });
  if (response.status === 401) window.dispatchEvent(new Event("telltale:unauthorized"));
  return response;
}
