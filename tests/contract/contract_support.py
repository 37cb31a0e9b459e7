"""Golden request -> response pairs of the Darwin-compatible API (API.md sections 3 and 4).

A golden file (tests/contract/darwin/*.json) describes one Darwin path:

    {
      "path": "GET /entity/metadata",            # what the file covers (documentation)
      "about": "...",                            # optional: why the shape is what it is
      "setup": ["player", ...],                  # setups/<name>.json, applied in order on a fresh server
      "cases": [
        {"name": "...",
         "request": {"port": "admin" | "serving" (default admin), "method": "GET", "path": "/entity/metadata",
                     "query": {...}, "headers": {...}, "body": <JSON value> | "rawBody": "<text>"},
         "expect": {"status": 200, "body": <expected JSON>}}
      ]
    }

A setup file is a list of requests (same form as "request", plus optional "status", default 200) whose
answers are not compared.

Expected bodies match EXACTLY (same keys, same list lengths and order, equal scalars), except for these
placeholders, which stand for values that vary between runs:

    "{{ms}}"            an integer epoch-millisecond time within this file's run (+- 5 s)
    "{{int}}"           any integer
    "{{string}}"        any string
    "{{any}}"           any value (the key must still be present)
    "{{capture:NAME}}"  any string, remembered as NAME; a later request may use "{{NAME}}" inside any
                        string (path, query and header values, body strings)
    {"$inflate": X}     a string holding base64 (standard alphabet) of raw-deflate compressed JSON text
                        that decodes to X (the catalog dumps)
    {"$json": X}        a string holding JSON text that parses to X

Everything here is standard library plus e2e_support (the black-box suite's server launcher and client).
"""

from __future__ import annotations

import base64
import json
import re
import time
import zlib
from pathlib import Path
from typing import Any

CONTRACT_DIR = Path(__file__).resolve().parent
GOLDEN_DIR = CONTRACT_DIR / "darwin"
SETUP_DIR = CONTRACT_DIR / "setups"
CLOCK_SLACK_MS = 5000
_CAPTURE = re.compile(r"^\{\{capture:([A-Za-z_][A-Za-z0-9_]*)\}\}$")
_USE = re.compile(r"\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}")


def golden_files() -> list[Path]:
    return sorted(GOLDEN_DIR.glob("*.json"))


def load(path: Path) -> Any:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


class Mismatch(AssertionError):
    pass


class Run:
    """One golden file against one server: sends requests, matches answers, keeps captures."""

    def __init__(self, server):
        self.server = server
        self.captures: dict[str, str] = {}
        self.started_ms = int(time.time() * 1000)

    # -- requests ---------------------------------------------------------------------------------

    def _substitute(self, value: Any) -> Any:
        if isinstance(value, str):
            def use(m: re.Match) -> str:
                name = m.group(1)
                if name not in self.captures:
                    raise Mismatch(f"request uses {{{{{name}}}}} but nothing captured it")
                return self.captures[name]
            return _USE.sub(use, value)
        if isinstance(value, list):
            return [self._substitute(v) for v in value]
        if isinstance(value, dict):
            return {k: self._substitute(v) for k, v in value.items()}
        return value

    def send(self, request: dict):
        request = self._substitute(request)
        client = self.server.serving if request.get("port", "admin") == "serving" else self.server.admin
        if "rawBody" in request:
            body = request["rawBody"]
        else:
            body = request.get("body")
        headers = dict(request.get("headers") or {})
        return client.request(request["method"], request["path"], body, headers, request.get("query"))

    def apply_setup(self, name: str) -> None:
        for i, request in enumerate(load(SETUP_DIR / f"{name}.json")):
            resp = self.send(request)
            want = request.get("status", 200)
            if resp.status != want:
                raise Mismatch(f"setup {name} step {i}: expected HTTP {want}\n{resp.describe()}")

    # -- matching ---------------------------------------------------------------------------------

    def match(self, expected: Any, actual: Any, where: str = "$") -> None:
        if isinstance(expected, str):
            if self._match_placeholder(expected, actual, where):
                return
        elif isinstance(expected, dict) and len(expected) == 1 and next(iter(expected)) in ("$inflate", "$json"):
            self._match_encoded(next(iter(expected)), next(iter(expected.values())), actual, where)
            return
        if isinstance(expected, dict):
            if not isinstance(actual, dict):
                raise Mismatch(f"{where}: expected an object, got {json.dumps(actual)[:300]}")
            missing = sorted(set(expected) - set(actual))
            extra = sorted(set(actual) - set(expected))
            if missing or extra:
                raise Mismatch(f"{where}: keys differ: missing {missing}, unexpected {extra}; "
                               f"got {json.dumps(actual)[:500]}")
            for key, value in expected.items():
                self.match(value, actual[key], f"{where}.{key}")
            return
        if isinstance(expected, list):
            if not isinstance(actual, list) or len(actual) != len(expected):
                raise Mismatch(f"{where}: expected a list of {len(expected)}, got {json.dumps(actual)[:500]}")
            for i, (e, a) in enumerate(zip(expected, actual)):
                self.match(e, a, f"{where}[{i}]")
            return
        if type(expected) is not type(actual) or expected != actual:
            if isinstance(expected, float) and isinstance(actual, (int, float)) and float(actual) == expected:
                return
            raise Mismatch(f"{where}: expected {json.dumps(expected)}, got {json.dumps(actual)[:300]}")

    def _match_placeholder(self, expected: str, actual: Any, where: str) -> bool:
        """True when `expected` is a placeholder (and it matched); raises when it did not match."""
        is_int = isinstance(actual, int) and not isinstance(actual, bool)
        if expected == "{{any}}":
            return True
        if expected == "{{int}}":
            if not is_int:
                raise Mismatch(f"{where}: expected an integer, got {json.dumps(actual)[:200]}")
            return True
        if expected == "{{string}}":
            if not isinstance(actual, str):
                raise Mismatch(f"{where}: expected a string, got {json.dumps(actual)[:200]}")
            return True
        if expected == "{{ms}}":
            now = int(time.time() * 1000)
            if not is_int or not self.started_ms - CLOCK_SLACK_MS <= actual <= now + CLOCK_SLACK_MS:
                raise Mismatch(f"{where}: expected epoch ms within this run, got {json.dumps(actual)[:200]}")
            return True
        m = _CAPTURE.match(expected)
        if m:
            if not isinstance(actual, str):
                raise Mismatch(f"{where}: expected a string to capture, got {json.dumps(actual)[:200]}")
            self.captures[m.group(1)] = actual
            return True
        return False

    def _match_encoded(self, kind: str, expected: Any, actual: Any, where: str) -> None:
        if not isinstance(actual, str):
            raise Mismatch(f"{where}: expected a string ({kind}), got {json.dumps(actual)[:200]}")
        try:
            text = actual
            if kind == "$inflate":
                text = zlib.decompress(base64.b64decode(actual, validate=True), -15).decode("utf-8")
            decoded = json.loads(text)
        except (ValueError, zlib.error) as e:
            raise Mismatch(f"{where}: not {kind}-encoded JSON ({e}): {actual[:200]}") from e
        self.match(expected, decoded, f"{where}<{kind}>")

    # -- a case -----------------------------------------------------------------------------------

    def check(self, case: dict) -> None:
        resp = self.send(case["request"])
        expect = case["expect"]
        try:
            if resp.status != expect["status"]:
                raise Mismatch(f"expected HTTP {expect['status']}, got {resp.status}")
            if "body" in expect:
                self.match(expect["body"], resp.body)
        except Mismatch as e:
            raise Mismatch(f"case {case['name']!r}: {e}\n{resp.describe()}") from None
