"""A tiny scripted HTTP server on loopback for fault tests: it answers each request with the next
scripted (status, JSON body) and records what it received. Bounded: it serves only while the test runs."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Tuple

Answer = Tuple[int, Any]

OK_READ = {"data": {"featureGroupName": "g", "featureGroupVersion": "v1",
                    "successfulKeys": [{"key": [1], "features": [2]}], "failedKeys": []}}
UNAVAILABLE = {"error": {"message": "store unavailable", "cause": "timeout", "code": "STORE-UNAVAILABLE"}}


class StubServer:
    def __init__(self, answers: List[Answer]) -> None:
        self.answers = list(answers)
        self.requests: List[Dict[str, Any]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                stub.requests.append({"method": self.command, "path": self.path, "body": body,
                                      "headers": dict(self.headers)})
                status, payload = stub.answers.pop(0) if stub.answers else (500, {"error": {
                    "message": "stub: no answer left", "cause": "", "code": "STUB"}})
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("X-Request-Id", f"stub-{len(stub.requests)}")
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "StubServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
