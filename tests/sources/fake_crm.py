"""A local fake CRM API: a real HTTP server on 127.0.0.1 replaying recorded responses.

A recording (``tests/data/crm/recorded/<vendor>/<name>.json``) lists exchanges::

    {"prefix": "/rest/1/{secret}/",            # path prefix every request must carry (optional)
     "bearer": true,                           # requests must send "Authorization: Bearer {secret}"
     "exchanges": [{"request": {"method": "POST", "path": "crm.stagehistory.list.json",
                                "query": {"page": "2"}, "json": {"start": 0}},
                    "response": {"status": 200, "headers": {}, "body": {...}}}, ...]}

A request matches the first exchange whose method and path are equal and whose ``query`` and ``json``
are contained in the request's (dicts compared key by key, recursively). ``{base}`` in a response body
is replaced by the server's address. Tests can queue faults (``server.fault(...)``) answered before
the recording, and read every request the server saw (``server.seen``).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

RECORDED = Path(__file__).resolve().parents[1] / "data" / "crm" / "recorded"


def _contains(have: Any, want: Any) -> bool:
    if isinstance(want, dict):
        return isinstance(have, dict) and all(k in have and _contains(have[k], v) for k, v in want.items())
    return have == want


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]


@dataclass
class Fault:
    path_contains: str
    status: int
    headers: dict[str, str]
    body: Any
    times: int


@dataclass
class FakeCrm:
    recording: dict[str, Any]
    secret: str
    seen: list[Seen] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    url: str = ""

    def fault(
        self, path_contains: str, status: int, *, times: int = 1, headers: dict[str, str] | None = None, body: Any = None
    ) -> None:
        """Answer the next ``times`` requests whose path contains ``path_contains`` with ``status``."""
        self.faults.append(Fault(path_contains, status, headers or {}, body, times))

    def answer(self, method: str, raw_path: str, body: Any, headers: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        parts = urlsplit(raw_path)
        query = dict(parse_qsl(parts.query))
        self.seen.append(Seen(method, parts.path, query, body, headers))
        prefix = self.recording.get("prefix", "/").replace("{secret}", self.secret)
        if not parts.path.startswith(prefix):
            return 401, {}, {"error": "NO_AUTH_FOUND", "error_description": "Wrong authorization data"}
        if self.recording.get("bearer") and headers.get("authorization") != f"Bearer {self.secret}":
            return 401, {}, {"message": "Authentication credentials not found", "category": "INVALID_AUTHENTICATION"}
        path = parts.path[len(prefix) :] if prefix != "/" else parts.path
        for f in self.faults:
            if f.times > 0 and f.path_contains in parts.path:
                f.times -= 1
                return f.status, f.headers, f.body
        for ex in self.recording["exchanges"]:
            req = ex["request"]
            if (
                req["method"] == method
                and req["path"] == path
                and _contains(query, req.get("query", {}))
                and _contains(body, req.get("json", {}) if req.get("json") is not None else body)
            ):
                resp = ex["response"]
                return resp.get("status", 200), resp.get("headers", {}), resp.get("body")
        return 404, {}, {"error": "NOT_RECORDED", "path": path, "query": query, "body": body}


def _handler(fake: FakeCrm) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            status, headers, payload = fake.answer(self.command, self.path, body, {k.lower(): v for k, v in self.headers.items()})
            data = b"" if payload is None else json.dumps(payload).replace("{base}", fake.url).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _serve  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

    return Handler


class serve:  # noqa: N801  (used as a context manager: ``with serve("hubspot/deals") as crm``)
    """Start a fake CRM for a recording on a free local port; stop it on exit."""

    def __init__(self, recording: str, *, secret: str) -> None:
        data = json.loads((RECORDED / f"{recording}.json").read_text(encoding="utf-8"))
        self.fake = FakeCrm(data, secret)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.fake))
        host, port = self.server.server_address[:2]
        self.fake.url = f"http://{host}:{port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> FakeCrm:
        self.thread.start()
        return self.fake

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
