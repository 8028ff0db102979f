"""A served site for browser tests: uvicorn in a thread on 127.0.0.1, Playwright driving Debian's Chromium."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from fastapi import FastAPI

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]


def missing() -> str | None:
    """Why the browser tests cannot run here (None when they can)."""
    if not CHROMIUM.exists():
        return "Chromium is not installed (make system-deps installs Debian's chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is missing (make setup installs the test extras)"
    from crmflow.web.app import ASSETS, VENDOR

    absent = [name for name, rel in VENDOR.items() if not (ASSETS / rel).is_file()]
    if absent:
        return f"web/app/node_modules is incomplete ({', '.join(absent[:3])}); make setup runs npm ci there"
    return None


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` on a free local port; yields the base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
