// A drift report in a sandboxed frame. The console fetches the report with the signed-in key and hands its
// HTML to the frame; the frame (report-frame.html, sandboxed without allow-same-origin, so its origin is
// opaque) writes it into itself. Whatever runs in the report cannot read this page's session storage,
// touch this document or call the API as the viewer.
import { authorized } from "./api.js";
import { el } from "./dom.js";

const READY = "telltale:report-frame-ready";

export function reportFrame(resultId, status, className = "report") {
  const frame = el("iframe", { class: className, title: "Evidently drift report", sandbox: "allow-scripts", referrerpolicy: "no-referrer" });
  const html = authorized(`/v1/drift/${encodeURIComponent(resultId)}/report`).then(async (response) => {
    if (response.ok) return response.text();
    status.textContent = `Could not load the report: ${response.status} ${await response.text()}`;
    return null;
  });
  const ready = async (event) => {
    if (event.source !== frame.contentWindow || !event.data || event.data.type !== READY) return;
    window.removeEventListener("message", ready);
    const text = await html;
    if (text !== null) frame.contentWindow.postMessage({ type: "telltale:report", html: text }, "*");
  };
  window.addEventListener("message", ready);
  frame.src = "/console/report-frame.html";
  return frame;
}
