"""The liveness probe behind `feedback-ai healthcheck` and the Docker HEALTHCHECK.

Run as `python -m feedback_ai.ops.probe` it imports only the settings: the CLI's commands pull in
the model libraries, seconds of imports on a busy host, longer than a HEALTHCHECK's timeout.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request

from feedback_ai.settings import get_settings


def default_url() -> str:
    """The local service's /healthz, on the configured port."""
    return f"http://127.0.0.1:{get_settings().port}/healthz"


def healthy(url: str, *, timeout: float) -> bool:
    """Whether `url` answers 200 within `timeout` seconds."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def main() -> None:
    """Print healthy or why not; exit 0 or 1."""
    url = default_url()
    ok = healthy(url, timeout=3.0)
    print("healthy" if ok else f"unhealthy: {url}")  # noqa: T201 - the probe's one line of output
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
