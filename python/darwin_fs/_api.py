"""The API operations as HttpCalls, on either face, and the parsing of their answers.

``darwin_*`` builders speak the Darwin-compatible paths (what Darwin's SDK 2.x calls: reads are ``GET``
with a JSON body, metadata by query parameter); ``v1_*`` builders speak the ``/v1`` paths. Both faces
share most payloads (API.md), so most ``parse_*`` functions serve both; ``parse_darwin_*`` read the
Darwin-only shapes (metadata wrapped in ``{"metadata": ...}``). Builders never send anything: the
sync and async transports do.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Union
from urllib.parse import quote

from darwin_fs._http.call import ADMIN, SERVING, HttpCall
from darwin_fs.constant.constants import State
from darwin_fs.exception import ErrorCode, SdkException
from darwin_fs.model.create_entity_request import CreateEntityRequest
from darwin_fs.model.create_entity_response import CreateEntityResponse
from darwin_fs.model.create_feature_group_request import CreateFeatureGroupRequest
from darwin_fs.model.create_feature_group_response import CreateFeatureGroupResponse
from darwin_fs.model.entity_metadata import EntityMetadata
from darwin_fs.model.feature_group_metadata import FeatureGroupMetadata
from darwin_fs.model.feature_group_schema import FeatureGroupSchema
from darwin_fs.model.feature_group_version import FeatureGroupVersion
from darwin_fs.model.metadata_response import MetadataResponse
from darwin_fs.model.read_features_request import ReadFeaturesRequest
from darwin_fs.model.read_features_response import ReadFeaturesResponse
from darwin_fs.model.write_features_request import WriteFeaturesRequest
from darwin_fs.model.write_features_response import WriteFeaturesResponse

StateLike = Union[State, str]


def _segment(name: str) -> str:
    return quote(name, safe="")


def state_value(state: StateLike) -> str:
    """``"LIVE"`` or ``"ARCHIVED"`` from a State or its name in any case; VALIDATION-EXCEPTION otherwise."""
    if isinstance(state, State):
        return state.value
    try:
        return State(str(state).upper()).value
    except ValueError:
        raise SdkException(f"state must be LIVE or ARCHIVED, got {state!r}", ErrorCode.VALIDATION) from None


def _require_name(name: Any, what: str) -> str:
    if not isinstance(name, str) or not name:
        raise SdkException(f"{what} must be a non-empty string, got {name!r}", ErrorCode.VALIDATION)
    return name


def _upgrade_headers(upgrade: Optional[bool]) -> Dict[str, str]:
    return {"upgrade": "true"} if upgrade else {}


# ----------------------------------------------------------------------------------------------------
# Darwin-compatible face
# ----------------------------------------------------------------------------------------------------

def darwin_create_entity(request: CreateEntityRequest) -> HttpCall:
    return HttpCall("POST", ADMIN, "/entity", f"creating entity {request.entity.table_name}",
                    body=request.to_dict(), idempotent=False)


def darwin_get_entity_metadata(name: str) -> HttpCall:
    return HttpCall("GET", ADMIN, "/entity/metadata", f"fetching entity {name}",
                    params={"name": _require_name(name, "entity name")})


def darwin_create_feature_group(request: CreateFeatureGroupRequest, upgrade: Optional[bool]) -> HttpCall:
    verb = "upgrading" if upgrade else "creating"
    return HttpCall("POST", ADMIN, "/feature-group", f"{verb} feature group {request.feature_group.feature_group_name}",
                    body=request.to_dict(), headers=_upgrade_headers(upgrade), idempotent=False)


def darwin_get_feature_group_metadata(name: str, version: Optional[str]) -> HttpCall:
    return HttpCall("GET", ADMIN, "/feature-group/metadata", f"fetching feature group {name}",
                    params={"name": _require_name(name, "feature group name"), "version": version})


def darwin_update_feature_group_state(state: StateLike, name: str, version: Optional[str]) -> HttpCall:
    value = state_value(state)
    return HttpCall("PUT", ADMIN, "/feature-group", f"setting state {value} of feature group {name}",
                    params={"name": _require_name(name, "feature group name"), "version": version},
                    body={"state": value})


def darwin_get_latest_version(name: str) -> HttpCall:
    return HttpCall("GET", ADMIN, "/feature-group/version", f"fetching the latest version of feature group {name}",
                    params={"name": _require_name(name, "feature group name")})


def darwin_get_schema(name: str, version: Optional[str]) -> HttpCall:
    return HttpCall("GET", ADMIN, "/feature-group/schema", f"fetching the schema of feature group {name}",
                    params={"name": _require_name(name, "feature group name"), "version": version})


def darwin_read_features(request: ReadFeaturesRequest) -> HttpCall:
    return HttpCall("GET", SERVING, "/feature-group/read-features",
                    f"reading features of feature group {request.feature_group_name}", body=request.to_dict())


def darwin_write_features(request: WriteFeaturesRequest) -> HttpCall:
    return HttpCall("POST", SERVING, "/feature-group/write-features-v2",
                    f"writing features to feature group {request.feature_group_name}", body=request.to_dict())


def darwin_add_run(body: Mapping[str, Any]) -> HttpCall:
    """A run record (Darwin's ``POST /feature-group/run-data``): name, version, runId, timeTaken, count, ..."""
    return HttpCall("POST", ADMIN, "/feature-group/run-data",
                    f"recording run {body.get('runId')} of feature group {body.get('name')}", body=dict(body),
                    idempotent=False)


def v1_list_loads(name: str, version: Optional[str] = None, state: Optional[str] = None,
                  limit: int = 20) -> HttpCall:
    """The group's load jobs, newest first (``GET /v1/load?featureGroupName=&featureGroupVersion=&state=``)."""
    return HttpCall("GET", ADMIN, "/v1/load", f"listing the load jobs of feature group {name}",
                    params={"featureGroupName": _require_name(name, "feature group name"),
                            "featureGroupVersion": version, "state": state, "limit": str(limit)})


# ----------------------------------------------------------------------------------------------------
# /v1 face
# ----------------------------------------------------------------------------------------------------

def v1_health(service: str) -> HttpCall:
    return HttpCall("GET", service, "/health", f"checking the health of the {service} API", envelope=False)


def v1_create_entity(request: CreateEntityRequest) -> HttpCall:
    return HttpCall("POST", ADMIN, "/v1/entity", f"creating entity {request.entity.table_name}",
                    body=request.to_dict(), idempotent=False)


def v1_get_entity(name: str) -> HttpCall:
    return HttpCall("GET", ADMIN, f"/v1/entity/{_segment(_require_name(name, 'entity name'))}", f"fetching entity {name}")


def v1_set_entity_state(name: str, state: StateLike) -> HttpCall:
    value = state_value(state)
    return HttpCall("PUT", ADMIN, f"/v1/entity/{_segment(_require_name(name, 'entity name'))}/state",
                    f"setting state {value} of entity {name}", body={"state": value})


def v1_create_feature_group(request: CreateFeatureGroupRequest, upgrade: bool) -> HttpCall:
    verb = "upgrading" if upgrade else "creating"
    return HttpCall("POST", ADMIN, "/v1/feature-group", f"{verb} feature group {request.feature_group.feature_group_name}",
                    body=request.to_dict(), headers=_upgrade_headers(upgrade), idempotent=False)


def v1_get_feature_group(name: str, version: Optional[str]) -> HttpCall:
    return HttpCall("GET", ADMIN, f"/v1/feature-group/{_segment(_require_name(name, 'feature group name'))}",
                    f"fetching feature group {name}", params={"version": version})


def v1_list_versions(name: str) -> HttpCall:
    return HttpCall("GET", ADMIN, f"/v1/feature-group/{_segment(_require_name(name, 'feature group name'))}/versions",
                    f"listing the versions of feature group {name}")


def v1_set_feature_group_state(name: str, state: StateLike, version: Optional[str]) -> HttpCall:
    value = state_value(state)
    return HttpCall("PUT", ADMIN, f"/v1/feature-group/{_segment(_require_name(name, 'feature group name'))}/state",
                    f"setting state {value} of feature group {name}", params={"version": version},
                    body={"state": value})


def v1_get_schema(name: str, version: Optional[str], service: str = SERVING) -> HttpCall:
    """Schema lookup; the serving API answers it too, so data-plane code needs no admin URL."""
    return HttpCall("GET", service, f"/v1/feature-group/{_segment(_require_name(name, 'feature group name'))}/schema",
                    f"fetching the schema of feature group {name}", params={"version": version})


def v1_read(body: Mapping[str, Any], exact_decimals: bool = False) -> HttpCall:
    return HttpCall("POST", SERVING, "/v1/feature-group/read",
                    f"reading features of feature group {body.get('featureGroupName')}", body=dict(body),
                    exact_decimals=exact_decimals)


def v1_multi_read(batches: List[Mapping[str, Any]], exact_decimals: bool = False) -> HttpCall:
    return HttpCall("POST", SERVING, "/v1/feature-group/multi-read",
                    f"reading features of {len(batches)} feature groups", body={"batches": list(batches)},
                    exact_decimals=exact_decimals)


def v1_partition_read(body: Mapping[str, Any], exact_decimals: bool = False) -> HttpCall:
    return HttpCall("POST", SERVING, "/v1/feature-group/partition/read",
                    f"reading a partition of feature group {body.get('featureGroupName')}", body=dict(body),
                    exact_decimals=exact_decimals)


def v1_write(body: Mapping[str, Any], replicate: Optional[bool] = None) -> HttpCall:
    headers = {} if replicate is None else {"replicate-write": "true" if replicate else "false"}
    return HttpCall("POST", SERVING, "/v1/feature-group/write",
                    f"writing features to feature group {body.get('featureGroupName')}", body=dict(body),
                    headers=headers)


# ----------------------------------------------------------------------------------------------------
# answers (shared by both faces unless named darwin_ / v1)
# ----------------------------------------------------------------------------------------------------

def _darwin_metadata(data: Any, what: str) -> Any:
    """The Darwin metadata paths answer ``{"metadata": {...}}`` (Darwin's ``MetadataResponse``)."""
    if not (isinstance(data, dict) and isinstance(data.get("metadata"), dict)):
        raise SdkException(f"the {what} metadata answer has no 'metadata' object: {str(data)[:200]!r}",
                           ErrorCode.INVALID_RESPONSE)
    return MetadataResponse.from_dict(data).metadata


def parse_entity(data: Any) -> CreateEntityResponse:
    return CreateEntityResponse.from_dict(data)


def parse_entity_metadata(data: Any) -> EntityMetadata:
    """The /v1 entity answer (the metadata itself)."""
    return EntityMetadata.from_dict(data)


def parse_darwin_entity_metadata(data: Any) -> EntityMetadata:
    return EntityMetadata.from_dict(_darwin_metadata(data, "entity"))


def parse_create_feature_group(data: Any) -> CreateFeatureGroupResponse:
    return CreateFeatureGroupResponse.from_dict(data)


def parse_feature_group_metadata(data: Any) -> FeatureGroupMetadata:
    """The /v1 feature group answer (the metadata itself)."""
    return FeatureGroupMetadata.from_dict(data)


def parse_darwin_feature_group_metadata(data: Any) -> FeatureGroupMetadata:
    return FeatureGroupMetadata.from_dict(_darwin_metadata(data, "feature group"))


def parse_latest_version(data: Any) -> FeatureGroupVersion:
    if isinstance(data, dict) and isinstance(data.get("version"), dict):
        return FeatureGroupVersion.from_dict(data["version"])
    return FeatureGroupVersion.from_dict(data)


def parse_versions(data: Any) -> List[FeatureGroupMetadata]:
    versions = data.get("versions") if isinstance(data, dict) else None
    if not isinstance(versions, list):
        raise SdkException(f"the versions answer has no 'versions' list: {str(data)[:200]!r}", ErrorCode.INVALID_RESPONSE)
    return [FeatureGroupMetadata.from_dict(v) for v in versions]


def parse_schema(data: Any) -> FeatureGroupSchema:
    return FeatureGroupSchema.from_dict(data)


def parse_read(data: Any) -> ReadFeaturesResponse:
    return ReadFeaturesResponse.from_dict(data)


def parse_write(data: Any) -> WriteFeaturesResponse:
    return WriteFeaturesResponse.from_dict(data)
