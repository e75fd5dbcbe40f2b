// One drift report on a page of its own ("Open in a new tab"), in the same sandboxed frame as the Drift view.
import { savedKey } from "./api.js";
import { reportFrame } from "./report-view.js";

const status = document.getElementById("report-status");
const id = decodeURIComponent(window.location.hash.slice(1));
if (!savedKey() || !id) status.textContent = "Sign in to the console first, then open the report from the Drift view.";
else document.body.append(reportFrame(id, status, "report full"));
