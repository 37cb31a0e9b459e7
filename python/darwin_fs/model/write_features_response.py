"""``WriteFeaturesResponse``: the answer of a synchronous write."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Optional

from darwin_fs.model._serde import JsonModel


@dataclass
class WriteFeaturesResponse(JsonModel):
    """Wire form ``{"featureGroupName", "featureGroupVersion", "featureColumns", "successfulRows",
    "failedRows", "failedRowErrors"?}``. Rows whose values do not convert are in ``failed_rows`` (the
    HTTP status stays 200); OFS adds the reason of each in ``failed_row_errors`` (same order)."""

    feature_group_name: str
    feature_group_version: str
    feature_columns: List[str]
    successful_rows: List[List[Any]]
    failed_rows: List[List[Any]]
    failed_row_errors: Optional[List[str]] = None
