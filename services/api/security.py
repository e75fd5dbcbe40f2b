"""Response headers that keep each kind of page in its place: the console strict, drift reports in a sandbox.

The console holds the signed-in key, so its pages run only their own script files. An Evidently report needs
inline scripts and styles; it is served (and framed) with a CSP `sandbox` that gives it an opaque origin, so
whatever runs in it cannot read the console's session storage, reach the console's document or call the
API as the viewer, even when the report URL is opened directly.
"""

from __future__ import annotations

_COMMON = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}

CONSOLE = {
    **_COMMON,
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
}
"""The console's pages and files: nothing inline, nothing from elsewhere, never framed."""

SANDBOXED_REPORT = {
    **_COMMON,
    "Content-Security-Policy": "sandbox allow-scripts; default-src 'none'; script-src 'self' 'unsafe-inline'; "
    "style-src 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'none'; form-action 'none'; "
    "base-uri 'none'; frame-ancestors 'self'",
}
"""A drift report, and the frame the console shows it in: Evidently's scripts run, in an opaque origin, and
nothing in it can send a request (no fetch, no form, no image but the server's own)."""

REPORT_ASSET = {
    "Cache-Control": "public, max-age=86400",
    "X-Content-Type-Options": "nosniff",
    "Access-Control-Allow-Origin": "*",
}
"""Evidently's library and font: public files, loaded by a report whose origin is opaque (`null`), so the font
(always fetched in CORS mode) needs `Access-Control-Allow-Origin`."""
