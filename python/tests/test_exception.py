"""SdkException's contract and the errors of missing optional dependencies."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from darwin_fs.exception import ApiException, SdkException
from darwin_fs.optional_dependencies import require


def test_str_and_attributes() -> None:
    e = SdkException("feature group g not found", "FEATURE-GROUP-NOT-FOUND-EXCEPTION", cause="no such group",
                     status=404, request_id="r-1")
    assert str(e) == ("[SDK_ERROR FEATURE-GROUP-NOT-FOUND-EXCEPTION] feature group g not found "
                      "(cause: no such group) [HTTP 404, request id r-1]")
    assert e.message == "feature group g not found" and e.error_code == "FEATURE-GROUP-NOT-FOUND-EXCEPTION"
    assert str(SdkException("plain")) == "plain"
    assert str(ApiException("m", "C")) == "[API_ERROR C] m"


def test_pickles_with_every_attribute() -> None:
    e = SdkException("m", "C", cause="c", status=503, request_id="r", details={"row": 3})
    copy = pickle.loads(pickle.dumps(e))
    assert (copy.message, copy.error_code, copy.cause, copy.status, copy.request_id, copy.details) == (
        "m", "C", "c", 503, "r", {"row": 3})


def test_missing_optional_dependency_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    def not_installed(name: str) -> Any:
        raise ImportError(f"No module named {name!r}")

    monkeypatch.setattr("darwin_fs.optional_dependencies.importlib.import_module", not_installed)
    with pytest.raises(SdkException) as e:
        require("pandas")
    assert e.value.error_code == "DEPENDENCY_EXCEPTION" and "darwin_fs[pandas]" in e.value.message
    with pytest.raises(SdkException) as a:
        require("aiohttp")
    assert "darwin_fs[async]" in a.value.message
