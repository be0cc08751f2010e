"""The console served on a free port, and a headless chromium page driving it (Playwright with Debian's
chromium): shared by the browser tests."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def browser_usable() -> None:
    """Raises when chromium or Playwright is missing (tests/services.py turns it into a failure or a skip)."""
    if CHROMIUM is None:
        raise FileNotFoundError("neither chromium nor chromium-browser is on PATH (scripts/ensure_browser.sh "
                                "installs Debian's chromium where root and apt-get are available)")
    import playwright.sync_api  # noqa: F401


@contextmanager
def served(app: Any) -> Iterator[str]:
    """Serve a WSGI ``app`` on 127.0.0.1 (threaded); yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


@contextmanager
def browser_page(executable: str) -> Iterator[Any]:
    """A fresh headless chromium page (1400x900)."""
    from playwright import sync_api

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": 1400, "height": 900})
        finally:
            browser.close()


def screenshot(page: Any, folder: Path, name: str) -> Path:
    """A full-page screenshot ``folder/name.png`` (its path is printed for the reader of the test log)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path
