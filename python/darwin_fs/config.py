"""Where the SDK finds the server: URLs and token from the environment.

Resolution, per setting, first match wins (evaluated on every call, so changing ``os.environ`` at run
time takes effect at once):

serving URL (reads and writes)
    1. ``OFS_URL``
    2. when an environment is selected (``sdk.python.environment`` or ``SDK_PYTHON_ENVIRONMENT`` is set
       to any non-empty value, e.g. ``test``): ``ofs.server.host``, then ``OFS_SERVER_HOST``
    3. ``http://127.0.0.1:8080``
admin URL (entities, feature groups, schemas)
    1. ``OFS_ADMIN_URL``
    2. when an environment is selected: ``ofs.admin.host``, then ``OFS_ADMIN_HOST``
    3. ``http://127.0.0.1:8081``
token
    ``OFS_TOKEN`` (sent as ``Authorization: Bearer <token>``); none by default.

Hosts may be given with or without a scheme (``localhost:8080`` means ``http://localhost:8080``); a
trailing slash is dropped. The host variables are ignored (with a warning) while no environment is
selected, as Darwin's SDK did.

Darwin's module-level names ``DARWIN_OFS_V2_HOST``, ``DARWIN_OFS_V2_ADMIN_HOST`` and
``DARWIN_OFS_V2_WRITER_HOST`` remain readable here and reflect the current resolution, and its endpoint
path constants (``DARWIN_OFS_V2_ADMIN_ENTITY_ENDPOINT``, ...) are defined with Darwin's values.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from typing import Mapping, Optional

# The paths Darwin's SDK calls (Darwin's darwin_fs.config names), on the admin and serving hosts.
DARWIN_OFS_V2_ADMIN_ENTITY_ENDPOINT = "/entity"
DARWIN_OFS_V2_ADMIN_ENTITY_METADATA_ENDPOINT = "/entity/metadata"
DARWIN_OFS_V2_ADMIN_FG_ENDPOINT = "/feature-group"
DARWIN_OFS_V2_ADMIN_FG_METADATA_ENDPOINT = "/feature-group/metadata"
DARWIN_OFS_V2_ADMIN_FG_SCHEMA_ENDPOINT = "/feature-group/schema"
DARWIN_OFS_V2_ADMIN_FG_LATEST_VERSION_ENDPOINT = "/feature-group/version"
DARWIN_OFS_V2_FG_WRITE_V1_ENDPOINT = "/feature-group/write-features-v1"
DARWIN_OFS_V2_FG_WRITE_V2_ENDPOINT = "/feature-group/write-features-v2"
DARWIN_OFS_V2_FG_READ_ENDPOINT = "/feature-group/read-features"
DARWIN_OFS_V2_FG_MULTI_READ_ENDPOINT = "/feature-group/multi-read-features"

DEFAULT_SERVING_URL = "http://127.0.0.1:8080"
DEFAULT_ADMIN_URL = "http://127.0.0.1:8081"

ENVIRONMENT_VARIABLES = ("sdk.python.environment", "SDK_PYTHON_ENVIRONMENT")
SERVER_HOST_VARIABLES = ("ofs.server.host", "OFS_SERVER_HOST")
ADMIN_HOST_VARIABLES = ("ofs.admin.host", "OFS_ADMIN_HOST")


@dataclass(frozen=True)
class Settings:
    """Resolved connection settings. ``serving_url`` and ``admin_url`` are absolute, without a trailing
    slash; ``environment`` is the selected environment name or ``None``."""

    serving_url: str
    admin_url: str
    token: Optional[str] = None
    environment: Optional[str] = None


def normalize_url(url: str) -> str:
    """Adds ``http://`` when no scheme is given and drops trailing slashes. Raises ``ValueError`` for an
    empty value."""
    text = url.strip()
    if not text:
        raise ValueError("empty URL")
    if "://" not in text:
        text = "http://" + text
    return text.rstrip("/")


def _first(environ: Mapping[str, str], names: tuple[str, ...]) -> Optional[str]:
    for name in names:
        value = environ.get(name, "").strip()
        if value:
            return value
    return None


_warned_unselected = False


def resolve_settings(environ: Optional[Mapping[str, str]] = None) -> Settings:
    """Resolves the settings from ``environ`` (default ``os.environ``) as the module docstring says."""
    global _warned_unselected
    env = os.environ if environ is None else environ
    environment = _first(env, ENVIRONMENT_VARIABLES)
    server_host = admin_host = None
    if environment is not None:
        server_host = _first(env, SERVER_HOST_VARIABLES)
        admin_host = _first(env, ADMIN_HOST_VARIABLES)
    elif not _warned_unselected and (_first(env, SERVER_HOST_VARIABLES) or _first(env, ADMIN_HOST_VARIABLES)):
        _warned_unselected = True
        warnings.warn(
            "darwin_fs: ofs.server.host / ofs.admin.host are set but ignored because no environment is "
            "selected; set sdk.python.environment (e.g. to 'test') or use OFS_URL / OFS_ADMIN_URL",
            stacklevel=3,
        )
    serving = _first(env, ("OFS_URL",)) or server_host or DEFAULT_SERVING_URL
    admin = _first(env, ("OFS_ADMIN_URL",)) or admin_host or DEFAULT_ADMIN_URL
    return Settings(
        serving_url=normalize_url(serving),
        admin_url=normalize_url(admin),
        token=_first(env, ("OFS_TOKEN",)),
        environment=environment,
    )


def __getattr__(name: str) -> str:
    """Darwin's module constants, computed from the current environment."""
    if name in ("DARWIN_OFS_V2_HOST", "DARWIN_OFS_V2_WRITER_HOST"):
        return resolve_settings().serving_url
    if name == "DARWIN_OFS_V2_ADMIN_HOST":
        return resolve_settings().admin_url
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
