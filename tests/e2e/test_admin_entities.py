"""Entities through the admin API, on both faces.

API.md sections covered: 1 (conventions: envelope, null omission, case-insensitive keys, unknown keys),
2 (Entity, FeatureColumn, DataType names, name rules, owner e-mail, states), 4 (POST /v1/entity,
POST /entity, POST /entity/register, GET /v1/entity/{name}, GET /entity/metadata, GET /entity,
PUT /v1/entity/{name}/state, PUT /entity), 7 (ENTITY-* and UPDATE-ENTITY-REQUEST-EXCEPTION codes).
"""

import pytest

from e2e_support import (
    ALL_TYPES, DEFAULT_OWNER, Ofs, assert_error, assert_no_nulls, assert_ok, col, entity_body, group_body,
    make_entity, make_group, now_ms, uniq,
)

SCHEMA = "ENTITY-SCHEMA-VALIDATION-EXCEPTION"
REGISTRATION = "ENTITY-REGISTRATION-REQUEST-EXCEPTION"


def _features_by_name(entity):
    return {f["name"]: f for f in entity["features"]}


# ------------------------------------------------------------------------------------------------
# create
# ------------------------------------------------------------------------------------------------

def test_create_entity_returns_entity(ofs: Ofs):
    name = uniq("ent")
    body = entity_body(name, features=[col("id", "BIGINT"), col("region", "TEXT", "the region", ["geo", "pii"])],
                       keys=["id"], ttl=3600)
    data = assert_ok(ofs.create_entity(body))
    assert set(data) == {"entity"}, data
    ent = data["entity"]
    assert ent["tableName"] == name
    assert ent["primaryKeys"] == ["id"]
    assert ent["ttl"] == 3600
    feats = _features_by_name(ent)
    assert [f["name"] for f in ent["features"]] == ["id", "region"]
    assert feats["id"]["type"] == "BIGINT"
    # responses always carry description and tags
    assert feats["id"]["description"] == ""
    assert feats["id"]["tags"] == []
    assert feats["region"]["description"] == "the region"
    assert feats["region"]["tags"] == ["geo", "pii"]
    assert_no_nulls(data)


def test_entity_with_every_data_type(ofs: Ofs):
    name = uniq("ent_types")
    feats = [("k", "TEXT")] + [(f"c_{t.lower()}", t) for t in ALL_TYPES]
    data = assert_ok(ofs.create_entity(entity_body(name, feats, ["k"])))
    types = {f["name"]: f["type"] for f in data["entity"]["features"]}
    for t in ALL_TYPES:
        assert types[f"c_{t.lower()}"] == t


def test_data_type_names_case_insensitive_on_input(ofs: Ofs):
    name = uniq("ent_lc")
    data = assert_ok(ofs.create_entity(entity_body(name, [("id", "bigint"), ("v", "Text")], ["id"])))
    types = {f["name"]: f["type"] for f in data["entity"]["features"]}
    assert types == {"id": "BIGINT", "v": "TEXT"}


def test_composite_primary_key_order_kept(ofs: Ofs):
    name = uniq("ent_ck")
    feats = [("a", "TEXT"), ("b", "INT"), ("c", "BIGINT"), ("v", "DOUBLE")]
    data = assert_ok(ofs.create_entity(entity_body(name, feats, ["c", "a", "b"])))
    assert data["entity"]["primaryKeys"] == ["c", "a", "b"]
    meta = assert_ok(ofs.entity_meta(name))
    assert meta["entity"]["primaryKeys"] == ["c", "a", "b"]


def test_ttl_default_zero(ofs: Ofs):
    name = uniq("ent_ttl")
    data = assert_ok(ofs.create_entity(entity_body(name, ttl=None)))
    assert data["entity"].get("ttl", 0) == 0


def test_duplicate_entity(ofs: Ofs):
    name = make_entity(ofs)
    assert_error(ofs.create_entity(entity_body(name)), 400, "ENTITY-ALREADY-EXISTS-EXCEPTION")


def test_entity_names_match_case_insensitively(ofs: Ofs):
    name = uniq("CaseEnt")
    make_entity(ofs, name)
    assert_error(ofs.create_entity(entity_body(name.lower())), 400, "ENTITY-ALREADY-EXISTS-EXCEPTION")
    assert_error(ofs.create_entity(entity_body(name.upper())), 400, "ENTITY-ALREADY-EXISTS-EXCEPTION")
    meta = assert_ok(ofs.entity_meta(name.lower()))
    assert meta["name"].lower() == name.lower()


def test_identifier_length_limit(ofs: Ofs):
    base = uniq("L")
    ok_name = (base + "x" * 64)[:64]
    assert_ok(ofs.create_entity(entity_body(ok_name)))
    too_long = (base + "y" * 65)[:65]
    assert_error(ofs.create_entity(entity_body(too_long)), 400, SCHEMA)


@pytest.mark.parametrize("case", [
    "key_not_among_features", "duplicate_column", "duplicate_column_case", "bad_name_digit", "bad_name_dash",
    "bad_name_space", "bad_column_name", "column_double_underscore", "unknown_type", "empty_primary_keys",
    "duplicate_primary_keys", "negative_ttl", "empty_name",
])
def test_entity_schema_validation(ofs: Ofs, case):
    name = uniq("ent_bad")
    feats = [("id", "BIGINT"), ("v", "TEXT")]
    keys = ["id"]
    ttl = 0
    if case == "key_not_among_features":
        keys = ["nope"]
    elif case == "duplicate_column":
        feats = [("id", "BIGINT"), ("v", "TEXT"), ("v", "INT")]
    elif case == "duplicate_column_case":
        feats = [("id", "BIGINT"), ("v", "TEXT"), ("V", "INT")]
    elif case == "bad_name_digit":
        name = "1" + name
    elif case == "bad_name_dash":
        name = name + "-x"
    elif case == "bad_name_space":
        name = name + " x"
    elif case == "bad_column_name":
        feats = [("id", "BIGINT"), ("bad-col", "TEXT")]
    elif case == "column_double_underscore":
        feats = [("id", "BIGINT"), ("a__b", "TEXT")]
    elif case == "unknown_type":
        feats = [("id", "BIGINT"), ("v", "STRINGY")]
    elif case == "empty_primary_keys":
        keys = []
    elif case == "duplicate_primary_keys":
        keys = ["id", "id"]
    elif case == "negative_ttl":
        ttl = -5
    elif case == "empty_name":
        name = ""
    r = ofs.create_entity(entity_body(name, feats, keys, ttl))
    # an empty name may be treated as a missing field
    codes = {SCHEMA, REGISTRATION} if case == "empty_name" else {SCHEMA}
    assert_error(r, 400, codes=codes)
    if name:
        assert_error(ofs.entity_meta(name), (400, 404))


def test_entity_without_features_rejected(ofs: Ofs):
    r = ofs.create_entity(entity_body(uniq("ent_nof"), features=[], keys=["id"]))
    assert_error(r, 400, codes={SCHEMA, REGISTRATION})


@pytest.mark.parametrize("owner", ["not-an-email", "a@b", "@example.com", "user@", "two@@example.com",
                                   "with space@example.com"])
def test_owner_must_look_like_email(ofs: Ofs, owner):
    r = ofs.create_entity(entity_body(uniq("ent_own"), owner=owner))
    assert_error(r, 400, REGISTRATION)


@pytest.mark.parametrize("owner", ["first.last+tag@sub.example.co", "a_b@example.io"])
def test_owner_valid_emails_accepted(ofs: Ofs, owner):
    name = uniq("ent_own_ok")
    assert_ok(ofs.create_entity(entity_body(name, owner=owner)))
    assert assert_ok(ofs.entity_meta(name))["owner"] == owner


@pytest.mark.parametrize("body", [
    {},
    {"owner": DEFAULT_OWNER},
    {"entity": "user", "owner": DEFAULT_OWNER},
    {"entity": {"tableName": "x_missing_features", "primaryKeys": ["id"]}, "owner": DEFAULT_OWNER},
])
def test_bad_entity_create_body(ofs: Ofs, body):
    r = ofs.create_entity(body)
    assert_error(r, 400, codes={REGISTRATION, SCHEMA, "INVALID_REQUEST"})


def test_bad_entity_create_body_missing_entity_is_registration_error(ofs: Ofs):
    assert_error(ofs.create_entity({"owner": DEFAULT_OWNER, "tags": []}), 400, REGISTRATION)


def test_wrong_json_type_for_ttl(ofs: Ofs):
    body = entity_body(uniq("ent_wt"))
    body["entity"]["ttl"] = "one hour"
    assert_error(ofs.create_entity(body), 400, codes={REGISTRATION, SCHEMA, "INVALID_REQUEST"})


def test_request_keys_case_insensitive_and_unknown_keys_ignored(ofs: Ofs):
    name = uniq("ent_ci")
    body = {
        "ENTITY": {"TableName": name, "FEATURES": [{"NAME": "id", "Type": "BIGINT"}, {"name": "v", "TYPE": "TEXT"}],
                   "primarykeys": ["id"], "TTL": 0, "somethingElse": True},
        "Owner": DEFAULT_OWNER,
        "Tags": ["t1"],
        "Description": "case test",
        "unknownTopLevel": {"x": 1},
    }
    data = assert_ok(ofs.create_entity(body))
    assert data["entity"]["tableName"] == name
    meta = assert_ok(ofs.entity_meta(name))
    assert meta["tags"] == ["t1"]
    assert meta["description"] == "case test"
    assert [f["name"] for f in meta["entity"]["features"]] == ["id", "v"]


# ------------------------------------------------------------------------------------------------
# metadata reads
# ------------------------------------------------------------------------------------------------

def test_entity_metadata_object(ofs: Ofs):
    name = uniq("ent_meta")
    before = now_ms()
    body = entity_body(name, tags=["alpha", "beta"], description="people we know", owner="meta.owner@example.com")
    assert_ok(ofs.create_entity(body))
    after = now_ms()
    meta = assert_ok(ofs.entity_meta(name))
    for k in ("name", "entity", "state", "owner", "tags", "description", "createdAt", "updatedAt"):
        assert k in meta, f"metadata lacks {k}: {meta}"
    assert meta["name"] == name
    assert meta["state"] == "LIVE"
    assert meta["owner"] == "meta.owner@example.com"
    assert meta["tags"] == ["alpha", "beta"]
    assert meta["description"] == "people we know"
    assert meta["entity"]["tableName"] == name
    assert meta["entity"]["primaryKeys"] == ["id"]
    assert isinstance(meta["createdAt"], int) and isinstance(meta["updatedAt"], int)
    # epoch milliseconds, set by the server while we waited
    assert before - 5000 <= meta["createdAt"] <= after + 5000
    assert meta["createdAt"] <= meta["updatedAt"] <= after + 5000
    assert_no_nulls(meta)


def test_entity_metadata_same_on_both_faces(server):
    v1, dw = Ofs(server, "v1"), Ofs(server, "darwin")
    name = make_entity(v1, tags=["x"], description="d")
    assert assert_ok(v1.entity_meta(name)) == assert_ok(dw.entity_meta(name))


def test_entity_metadata_defaults(ofs: Ofs):
    name = uniq("ent_def")
    assert_ok(ofs.create_entity(entity_body(name)))  # no tags, no description
    meta = assert_ok(ofs.entity_meta(name))
    assert meta["tags"] == []
    assert meta["description"] == ""


def test_darwin_get_entity_returns_only_entity(darwin: Ofs):
    name = make_entity(darwin, tags=["only"])
    data = assert_ok(darwin.entity_only(name))
    assert set(data) == {"entity"}, data
    assert data["entity"]["tableName"] == name
    assert data["entity"]["primaryKeys"] == ["id"]
    assert data["entity"] == assert_ok(darwin.entity_meta(name))["entity"]


def test_entity_not_found(ofs: Ofs):
    assert_error(ofs.entity_meta(uniq("nope")), 404, "ENTITY-NOT-FOUND-EXCEPTION")


def test_darwin_get_entity_not_found(darwin: Ofs):
    assert_error(darwin.entity_only(uniq("nope")), 404, "ENTITY-NOT-FOUND-EXCEPTION")


@pytest.mark.parametrize("path", ["/entity/metadata", "/entity"])
def test_missing_name_query_parameter(server, path):
    assert_error(server.admin.get(path), 400, "INVALID_REQUEST")


def test_entity_timestamps_move_on_update(ofs: Ofs):
    name = make_entity(ofs)
    m1 = assert_ok(ofs.entity_meta(name))
    assert_ok(ofs.set_entity_state(name, "ARCHIVED"))
    m2 = assert_ok(ofs.entity_meta(name))
    assert m2["createdAt"] == m1["createdAt"]
    assert m2["updatedAt"] >= m1["updatedAt"]


# ------------------------------------------------------------------------------------------------
# register (metadata only)
# ------------------------------------------------------------------------------------------------

def test_darwin_register_entity_records_metadata(darwin: Ofs):
    name = uniq("ent_reg")
    r = darwin.register_entity(entity_body(name, tags=["registered"]))
    assert_ok(r)
    meta = assert_ok(darwin.entity_meta(name))
    assert meta["name"] == name
    assert meta["tags"] == ["registered"]
    assert meta["entity"]["primaryKeys"] == ["id"]
    # visible through the v1 face as well
    assert assert_ok(darwin.on("v1").entity_meta(name))["name"] == name


def test_darwin_register_entity_validates(darwin: Ofs):
    r = darwin.register_entity(entity_body(uniq("ent_reg_bad"), keys=["missing"]))
    assert_error(r, 400, SCHEMA)


# ------------------------------------------------------------------------------------------------
# state
# ------------------------------------------------------------------------------------------------

def test_archive_and_revive_unused_entity(ofs: Ofs):
    name = make_entity(ofs)
    assert_ok(ofs.set_entity_state(name, "ARCHIVED"))
    assert assert_ok(ofs.entity_meta(name))["state"] == "ARCHIVED"
    assert_ok(ofs.set_entity_state(name, "LIVE"))
    assert assert_ok(ofs.entity_meta(name))["state"] == "LIVE"


def test_state_of_unknown_entity(ofs: Ofs):
    assert_error(ofs.set_entity_state(uniq("nope"), "ARCHIVED"), 404, "ENTITY-NOT-FOUND-EXCEPTION")


def test_invalid_state_value(ofs: Ofs):
    name = make_entity(ofs)
    assert_error(ofs.set_entity_state(name, "DELETED"), 400)
    assert assert_ok(ofs.entity_meta(name))["state"] == "LIVE"


def test_archive_entity_with_live_group_refused(ofs: Ofs):
    ent = make_entity(ofs)
    make_group(ofs, ent)
    assert_error(ofs.set_entity_state(ent, "ARCHIVED"), 400, "UPDATE-ENTITY-REQUEST-EXCEPTION")
    assert assert_ok(ofs.entity_meta(ent))["state"] == "LIVE"


def test_archive_entity_needs_every_group_version_archived(ofs: Ofs):
    ent = make_entity(ofs)
    grp = make_group(ofs, ent)
    make_group(ofs, ent, grp, upgrade=True)  # v2
    # archive the latest (v2) only: v1 is still live
    assert_ok(ofs.set_group_state(grp, "ARCHIVED"))
    assert_error(ofs.set_entity_state(ent, "ARCHIVED"), 400, "UPDATE-ENTITY-REQUEST-EXCEPTION")
    assert_ok(ofs.set_group_state(grp, "ARCHIVED", version="v1"))
    assert_ok(ofs.set_entity_state(ent, "ARCHIVED"))
    assert assert_ok(ofs.entity_meta(ent))["state"] == "ARCHIVED"


def test_group_on_archived_entity_refused(ofs: Ofs):
    ent = make_entity(ofs)
    assert_ok(ofs.set_entity_state(ent, "ARCHIVED"))
    r = ofs.create_group(group_body(uniq("fg"), ent))
    assert_error(r, 400, "ENTITY-STATE-EXCEPTION")
    # revived entity accepts groups again
    assert_ok(ofs.set_entity_state(ent, "LIVE"))
    assert_ok(ofs.create_group(group_body(uniq("fg"), ent)))


def test_state_value_case_insensitive(ofs: Ofs):
    name = make_entity(ofs)
    assert_ok(ofs.set_entity_state(name, "archived"))
    assert assert_ok(ofs.entity_meta(name))["state"] == "ARCHIVED"


def test_state_body_missing(server):
    ofs = Ofs(server, "v1")
    name = make_entity(ofs)
    r = server.admin.put(f"/v1/entity/{name}/state", {})
    assert_error(r, 400)


def test_tags_and_owner_longer_than_255_characters_are_request_errors(ofs: Ofs):
    # Every metadata engine keeps 255 characters (MySQL's VARCHAR(255)): longer is the caller's mistake,
    # answered 400 before any engine sees it, never a 503 from the database.
    assert_ok(ofs.create_entity(entity_body(uniq("tags"), tags=["é" * 255])))
    assert_error(ofs.create_entity(entity_body(uniq("tags"), tags=["x" * 256])), 400, REGISTRATION)
    long_owner = "a" * 250 + "@example.com"
    assert_error(ofs.create_entity(entity_body(uniq("owner"), owner=long_owner)), 400, REGISTRATION)
