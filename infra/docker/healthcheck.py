"""Container healthcheck for every role: the API answers /health, the worker and alert roles their /metrics."""

import os
import sys
import urllib.request

PORTS = (
    (os.environ.get("TELLTALE_PORT", "8600"), "/health"),
    (os.environ.get("TELLTALE_METRICS_PORT", "9464"), "/metrics"),
)

for port, path in PORTS:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=3) as response:
            if response.status == 200:
                sys.exit(0)
    except OSError:
        continue
sys.exit(1)
