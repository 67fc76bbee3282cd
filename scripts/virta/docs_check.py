"""Open the dbt docs site in a real headless browser (Chromium) and read what its overview page
shows: the check that the indicator catalogue renders, not just that the files exist."""

from __future__ import annotations

import functools
import http.server
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from virta.errors import VirtaError

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync")


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    return None


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


def rendered_overview(target_dir: Path, wait_ms: int = 20000) -> str:
    """The overview page's DOM after the docs app has loaded manifest.json and catalog.json."""
    browser = chromium()
    if browser is None:
        raise VirtaError("no Chromium found: install Debian's `chromium` package to check the docs site")
    handler = functools.partial(_QuietHandler, directory=str(target_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/index.html#!/overview"
        with tempfile.TemporaryDirectory() as profile:
            result = subprocess.run(
                [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--virtual-time-budget={wait_ms}",
                 "--dump-dom", url], capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise VirtaError(f"Chromium failed ({result.returncode}): {result.stderr[-500:]}")
        return result.stdout
    finally:
        server.shutdown()
        server.server_close()


def missing_from_overview(target_dir: Path) -> list[str]:
    """Indicators (English names) the rendered overview does not show; empty when all are listed."""
    from virta import catalogue

    dom = rendered_overview(target_dir)
    return [i.meta.get("name_en", i.name) for i in catalogue.indicators() if i.meta.get("name_en", i.name) not in dom]
