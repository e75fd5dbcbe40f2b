// Runs in the sandboxed report frame (opaque origin, no key): takes one report's HTML from the console that
// framed it and becomes that page. Only a message from the parent window, sent from this server's origin, counts.
(() => {
  const server = new URL(window.location.href).origin;
  window.addEventListener("message", (event) => {
    if (event.source !== window.parent || event.origin !== server) return;
    if (!event.data || event.data.type !== "telltale:report" || typeof event.data.html !== "string") return;
    document.open();
    document.write(event.data.html);
    document.close();
  });
  if (window.parent === window) {
    document.addEventListener("DOMContentLoaded", () => {
      document.getElementById("report-status").textContent = "Open drift reports from the console's Drift view.";
    });
  } else {
    window.parent.postMessage({ type: "telltale:report-frame-ready" }, server);
  }
})();
