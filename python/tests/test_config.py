"""Where the SDK finds the server: precedence of the environment variables."""

from __future__ import annotations

import warnings

import pytest

import darwin_fs.config as config
from darwin_fs.config import resolve_settings


def test_defaults() -> None:
    s = resolve_settings({})
    assert (s.serving_url, s.admin_url, s.token, s.environment) == (
        "http://127.0.0.1:8080", "http://127.0.0.1:8081", None, None)


def test_darwin_test_environment_hosts_with_or_without_scheme() -> None:
    s = resolve_settings({"sdk.python.environment": "test", "ofs.server.host": "localhost:9000/",
                          "ofs.admin.host": "https://admin.example:9001"})
    assert s.serving_url == "http://localhost:9000" and s.admin_url == "https://admin.example:9001"
    assert s.environment == "test"


def test_upper_case_spellings() -> None:
    s = resolve_settings({"SDK_PYTHON_ENVIRONMENT": "test", "OFS_SERVER_HOST": "h1:1", "OFS_ADMIN_HOST": "h2:2"})
    assert (s.serving_url, s.admin_url) == ("http://h1:1", "http://h2:2")


def test_ofs_url_variables_take_precedence() -> None:
    s = resolve_settings({"sdk.python.environment": "test", "ofs.server.host": "h1:1", "ofs.admin.host": "h2:2",
                          "OFS_URL": "http://u:3", "OFS_ADMIN_URL": "a:4", "OFS_TOKEN": "secret"})
    assert (s.serving_url, s.admin_url, s.token) == ("http://u:3", "http://a:4", "secret")


def test_hosts_ignored_without_an_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config, "_warned_unselected", False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        s = resolve_settings({"ofs.server.host": "h1:1"})
    assert s.serving_url == "http://127.0.0.1:8080"
    assert any("ignored" in str(w.message) for w in caught)


def test_darwin_module_constants_follow_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OFS_URL", "http://serving:1")
    monkeypatch.setenv("OFS_ADMIN_URL", "http://admin:2")
    assert config.DARWIN_OFS_V2_HOST == "http://serving:1"
    assert config.DARWIN_OFS_V2_WRITER_HOST == "http://serving:1"
    assert config.DARWIN_OFS_V2_ADMIN_HOST == "http://admin:2"
