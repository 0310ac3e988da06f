"""Render pages of the built book in headless Chromium: the DOM after JavaScript ran, and a picture.

Used by tests/test_book.py. The HTML is served over HTTP on 127.0.0.1 from a thread (MathJax and
the animation JavaScript do not all work from file:// URLs), and each page is opened by one
Chromium process with ``--dump-dom`` (the DOM once the virtual-time budget has run out, long
enough for MathJax to typeset) and ``--screenshot``.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REQUIRE_ENV = "GANCOURSE_REQUIRE_BROWSER"
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
)


def find_chromium() -> str | None:
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


def browser_required() -> bool:
    return os.environ.get(REQUIRE_ENV, "").strip() not in {"", "0", "false", "no"}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on a free port of 127.0.0.1 and yield the base URL (ends with /)."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def render(
    chromium: str,
    url: str,
    screenshot: Path,
    *,
    budget_ms: int = 20_000,
    window: tuple[int, int] = (1280, 2400),
    timeout_s: float = 120,
) -> str:
    """The page's DOM after ``budget_ms`` of virtual time; writes a PNG screenshot too."""
    with tempfile.TemporaryDirectory(prefix="gancourse-chromium-") as profile:
        cmd = [
            chromium,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--virtual-time-budget={budget_ms}",
            f"--window-size={window[0]},{window[1]}",
            f"--screenshot={screenshot}",
            "--dump-dom",
            url,
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=False)
    if proc.returncode != 0 or not proc.stdout.strip():
        raise RuntimeError(
            f"chromium failed on {url} (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
        )
    return proc.stdout
