"""Constructor arguments shared by FeatureStoreClient and AsyncFeatureStoreClient."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from darwin_fs._http.retry import RetryPolicy
from darwin_fs.config import normalize_url, resolve_settings


@dataclass(frozen=True)
class ClientOptions:
    serving_url: str
    admin_url: str
    token: Optional[str]
    timeout: float
    retry: RetryPolicy
    pool_size: int
    gzip_min_bytes: Optional[int]
    write_chunk_rows: Optional[int]
    read_chunk_keys: Optional[int]


def client_options(
    url: Optional[str],
    admin_url: Optional[str],
    token: Optional[str],
    *,
    timeout: float,
    retries: int,
    backoff_base: float,
    backoff_max: float,
    pool_size: int,
    gzip_min_bytes: Optional[int],
    write_chunk_rows: Optional[int],
    read_chunk_keys: Optional[int],
) -> ClientOptions:
    """Explicit arguments first, then the environment (:mod:`darwin_fs.config`) for what is ``None``."""
    settings = resolve_settings()
    if timeout <= 0:
        raise ValueError("timeout must be > 0")
    if pool_size < 1:
        raise ValueError("pool_size must be >= 1")
    return ClientOptions(
        serving_url=normalize_url(url) if url else settings.serving_url,
        admin_url=normalize_url(admin_url) if admin_url else settings.admin_url,
        token=token if token is not None else settings.token,
        timeout=timeout,
        retry=RetryPolicy(retries=retries, backoff_base=backoff_base, backoff_max=backoff_max),
        pool_size=pool_size,
        gzip_min_bytes=gzip_min_bytes,
        write_chunk_rows=write_chunk_rows,
        read_chunk_keys=read_chunk_keys,
    )
