// Loads one Evidently drift report with the key signed in to the console and replaces this page with it.
(async () => {
  const status = document.getElementById("report-status");
  const key = sessionStorage.getItem("telltale.key");
  const id = decodeURIComponent(window.location.hash.slice(1));
  if (!key || !id) {
    status.textContent = "Sign in to the console first, then open the report from the Drift view.";
    return;
  }
  const response = await fetch(`/v1/drift/${encodeURIComponent(id)}/report`, { headers: { Authorization: `Bearer ${key}` } });
  if (!response.ok) {
    status.textContent = `Could not load the report: ${response.status} ${await response.text()}`;
    return;
  }
  const html = await response.text();
  document.open();
  document.write(html);
  document.close();
})();
