"""Feature groups through the admin API, on both faces.

API.md sections covered: 1 (envelope, headers `upgrade`, case-insensitive names), 2 (Feature group: versions,
upgrade, versionEnabled, column name rules, states, tenant defaults), 4 (POST /v1/feature-group,
POST /feature-group, POST /feature-group/register, GET /v1/feature-group/{name}, GET /feature-group/metadata,
GET /feature-group, PUT /v1/feature-group/{name}/state, PUT /feature-group, PUT .../ttl),
7 (FEATURE-GROUP-* registration/naming/version/state codes).
"""

import pytest

from e2e_support import (
    DEFAULT_OWNER, DEFAULT_TENANT, Ofs, assert_error, assert_no_nulls, assert_ok, col, group_body, make_entity,
    make_group, now_ms, uniq,
)

REGISTRATION = "FEATURE-GROUP-REGISTRATION-REQUEST-EXCEPTION"
COLUMN_NAMES = "FEATURE-GROUP-INVALID-COLUMN-NAMES-EXCEPTION"
META_KEYS = ("name", "version", "versionEnabled", "featureGroupType", "featureGroup", "owner", "state", "tags",
             "tenant", "description", "createdAt", "updatedAt")


# ------------------------------------------------------------------------------------------------
# create
# ------------------------------------------------------------------------------------------------

def test_create_group_returns_group_and_v1(ofs: Ofs):
    ent = make_entity(ofs)
    name = uniq("fg")
    body = group_body(name, ent, [col("score", "DOUBLE", "model score", ["ml"]), col("label", "TEXT")])
    data = assert_ok(ofs.create_group(body))
    assert data["version"] == "v1"
    fg = data["featureGroup"]
    assert fg["featureGroupName"] == name
    assert fg["entityName"] == ent
    assert fg["versionEnabled"] is True
    assert fg["featureGroupType"] == "ONLINE"
    feats = {f["name"]: f for f in fg["features"]}
    assert [f["name"] for f in fg["features"]] == ["score", "label"]
    assert feats["score"]["type"] == "DOUBLE"
    assert feats["score"]["description"] == "model score"
    assert feats["score"]["tags"] == ["ml"]
    assert feats["label"]["description"] == ""
    assert feats["label"]["tags"] == []
    assert_no_nulls(data)


def test_group_metadata_object(ofs: Ofs):
    ent = make_entity(ofs)
    name = uniq("fg_meta")
    before = now_ms()
    assert_ok(ofs.create_group(group_body(name, ent, tags=["t1", "t2"], description="desc",
                                          owner="fg.owner@example.com")))
    after = now_ms()
    meta = assert_ok(ofs.group_meta(name))
    for k in META_KEYS:
        assert k in meta, f"metadata lacks {k}: {meta}"
    assert meta["name"] == name
    assert meta["version"] == "v1"
    assert meta["versionEnabled"] is True
    assert meta["featureGroupType"] == "ONLINE"
    assert meta["featureGroup"]["featureGroupName"] == name
    assert meta["featureGroup"]["entityName"] == ent
    assert meta["owner"] == "fg.owner@example.com"
    assert meta["state"] == "LIVE"
    assert meta["tags"] == ["t1", "t2"]
    assert meta["description"] == "desc"
    assert meta["tenant"] == {"read": DEFAULT_TENANT, "write": DEFAULT_TENANT, "consume": DEFAULT_TENANT}
    assert before - 5000 <= meta["createdAt"] <= meta["updatedAt"] <= after + 5000
    assert_no_nulls(meta)


def test_group_metadata_same_on_both_faces(server):
    v1, dw = Ofs(server, "v1"), Ofs(server, "darwin")
    ent = make_entity(v1)
    grp = make_group(v1, ent)
    assert assert_ok(v1.group_meta(grp)) == assert_ok(dw.group_meta(grp))
    assert assert_ok(v1.group_meta(grp, "v1")) == assert_ok(dw.group_meta(grp, "v1"))


def test_group_defaults(ofs: Ofs):
    ent = make_entity(ofs)
    name = uniq("fg_def")
    assert_ok(ofs.create_group(group_body(name, ent)))
    meta = assert_ok(ofs.group_meta(name))
    assert meta["tags"] == []
    assert meta["description"] == ""
    assert meta["versionEnabled"] is True
    assert meta["featureGroupType"] == "ONLINE"


def test_offline_group_type(ofs: Ofs):
    ent = make_entity(ofs)
    name = uniq("fg_off")
    data = assert_ok(ofs.create_group(group_body(name, ent, group_type="OFFLINE")))
    assert data["featureGroup"]["featureGroupType"] == "OFFLINE"
    assert assert_ok(ofs.group_meta(name))["featureGroupType"] == "OFFLINE"


def test_darwin_get_feature_group(darwin: Ofs):
    ent = make_entity(darwin)
    grp = make_group(darwin, ent)
    data = assert_ok(darwin.group_only(grp))
    assert set(data) == {"featureGroup", "version"}, data
    assert data["version"] == "v1"
    assert data["featureGroup"]["featureGroupName"] == grp
    assert data["featureGroup"]["entityName"] == ent
    assert data["featureGroup"] == assert_ok(darwin.group_meta(grp))["featureGroup"]


def test_group_names_case_insensitive(ofs: Ofs):
    ent = make_entity(ofs)
    grp = make_group(ofs, ent, uniq("MixedCaseFg"))
    assert assert_ok(ofs.group_meta(grp.lower()))["name"].lower() == grp.lower()
    assert assert_ok(ofs.group_meta(grp.upper()))["name"].lower() == grp.lower()
    # the entity name in the body matches case-insensitively too
    assert_ok(ofs.create_group(group_body(uniq("fg"), ent.upper())))


def test_same_group_column_name_in_two_groups_allowed(ofs: Ofs):
    ent = make_entity(ofs)
    make_group(ofs, ent, features=[("score", "DOUBLE")])
    make_group(ofs, ent, features=[("score", "INT")])


# ------------------------------------------------------------------------------------------------
# versions and upgrade
# ------------------------------------------------------------------------------------------------

def test_upgrade_creates_next_version(ofs: Ofs):
    ent = make_entity(ofs)
    grp = make_group(ofs, ent, features=[("a", "INT")])
    data = assert_ok(ofs.create_group(group_body(grp, ent, [("a", "INT"), ("b", "TEXT")]), upgrade=True))
    assert data["version"] == "v2"
    assert [f["name"] for f in data["featureGroup"]["features"]] == ["a", "b"]
    data = assert_ok(ofs.create_group(group_body(grp, ent, [("c", "BIGINT")]), upgrade=True))
    assert data["version"] == "v3"
    latest = assert_ok(ofs.group_meta(grp))
    assert latest["version"] == "v3"
    assert [f["name"] for f in latest["featureGroup"]["features"]] == ["c"]
    v1 = assert_ok(ofs.group_meta(grp, "v1"))
    assert v1["version"] == "v1"
    assert [f["name"] for f in v1["featureGroup"]["features"]] == ["a"]
    v2 = assert_ok(ofs.group_meta(grp, "v2"))
    assert [f["name"] for f in v2["featureGroup"]["features"]] == ["a", "b"]


def test_upgrade_without_header_refused(ofs: Ofs):
    ent = make_entity(ofs)
    grp = make_group(ofs, ent)
    assert_error(ofs.create_group(group_body(grp, ent)), 400, "FEATURE-GROUP-ALREADY-EXISTS-EXCEPTION")
    assert_error(ofs.create_group(group_body(grp, ent), upgrade=False), 400,
                 "FEATURE-GROUP-ALREADY-EXISTS-EXCEPTION")
    # names match case-insensitively
    assert_error(ofs.create_group(group_body(grp.upper(), ent)), 400, "FEATURE-GROUP-ALREADY-EXISTS-EXCEPTION")
    assert assert_ok(ofs.group_meta(grp))["version"] == "v1"


def test_upgrade_header_value_case_insensitive(ofs: Ofs):
    ent = make_entity(ofs)
    grp = make_group(ofs, ent)
    data = assert_ok(ofs.create_group(group_body(grp, ent), headers={"Upgrade": "TRUE"}))
    assert data["version"] == "v2"


def test_upgrade_header_on_new_group_creates_v1(ofs: Ofs):
    ent = make_entity(ofs)
    data = assert_ok(ofs.create_group(group_body(uniq("fg_new"), ent), upgrade=True))
    assert data["version"] == "v1"


def test_upgrade_with_versioning_disabled_refused(ofs: Ofs):
    ent = make_entity(ofs)
    grp = uniq("fg_nover")
    data = assert_ok(ofs.create_group(group_body(grp, ent, version_enabled=False)))
    assert data["version"] == "v1"
    assert data["featureGroup"]["versionEnabled"] is False
    assert_error(ofs.create_group(group_body(grp, ent, version_enabled=False), upgrade=True), 400,
                 "VERSIONING-DISABLED-EXCEPTION")
    meta = assert_ok(ofs.group_meta(grp))
    assert meta["version"] == "v1"
    assert meta["versionEnabled"] is False


def test_unknown_version(ofs: Ofs):
    ent = make_entity(ofs)
    grp = make_group(ofs, ent)
    assert_error(ofs.group_meta(grp, "v9"), 404, ofs.version_not_found)


def test_unknown_group(ofs: Ofs):
    assert_error(ofs.group_meta(uniq("nope")), 404, "FEATURE-GROUP-NOT-FOUND-EXCEPTION")


def test_darwin_get_feature_group_unknown(darwin: Ofs):
    assert_error(darwin.group_only(uniq("nope")), 404, "FEATURE-GROUP-NOT-FOUND-EXCEPTION")


@pytest.mark.parametrize("path", ["/feature-group/metadata", "/feature-group", "/feature-group/schema",
                                  "/feature-group/version", "/feature-group/topic"])
def test_darwin_group_paths_need_name(server, path):
    assert_error(server.admin.get(path), 400, "INVALID_REQUEST")


# ------------------------------------------------------------------------------------------------
# validation
# ------------------------------------------------------------------------------------------------

def test_group_on_unknown_entity(ofs: Ofs):
    r = ofs.create_group(group_body(uniq("fg"), uniq("no_entity")))
    assert_error(r, (400, 404), codes={"ENTITY-NOT-FOUND-EXCEPTION", REGISTRATION})


@pytest.mark.parametrize("features", [
    [("a__b", "INT")],
    [("__x", "INT")],
    [("id", "INT")],          # repeats the entity key column
    [("REGION", "TEXT")],     # repeats an entity column, other case
    [("x", "INT"), ("x", "TEXT")],
    [("x", "INT"), ("X", "TEXT")],
], ids=["double_underscore", "leading_double_underscore", "entity_key_clash", "entity_column_clash_case",
        "duplicate", "duplicate_case"])
def test_invalid_column_names(ofs: Ofs, features):
    ent = make_entity(ofs)
    r = ofs.create_group(group_body(uniq("fg"), ent, features))
    assert_error(r, 400, COLUMN_NAMES)


@pytest.mark.parametrize("features", [[("bad-name", "INT")], [("1abc", "INT")], [("a" * 65, "INT")]],
                         ids=["dash", "digit_first", "too_long"])
def test_bad_column_identifiers(ofs: Ofs, features):
    ent = make_entity(ofs)
    r = ofs.create_group(group_body(uniq("fg"), ent, features))
    assert_error(r, 400, codes={COLUMN_NAMES, REGISTRATION})


def test_bad_column_type(ofs: Ofs):
    ent = make_entity(ofs)
    r = ofs.create_group(group_body(uniq("fg"), ent, [("x", "MAP<TEXT,TEXT>")]))
    assert_error(r, 400, codes={REGISTRATION, COLUMN_NAMES})


@pytest.mark.parametrize("case", ["bad_name", "digit_name", "dunder_name", "long_name", "no_features",
                                  "bad_type", "missing_entity_name"])
def test_group_registration_errors(ofs: Ofs, case):
    ent = make_entity(ofs)
    name = uniq("fg")
    body = group_body(name, ent)
    fg = body["featureGroup"]
    if case == "bad_name":
        fg["featureGroupName"] = name + "-x"
    elif case == "digit_name":
        fg["featureGroupName"] = "9" + name
    elif case == "dunder_name":
        fg["featureGroupName"] = name + "__x"
    elif case == "long_name":
        fg["featureGroupName"] = (name + "z" * 70)[:65]
    elif case == "no_features":
        fg["features"] = []
    elif case == "bad_type":
        fg["featureGroupType"] = "HYBRID"
    elif case == "missing_entity_name":
        del fg["entityName"]
    codes = {REGISTRATION}
    if case == "dunder_name":
        codes.add(COLUMN_NAMES)
    assert_error(ofs.create_group(body), 400, codes=codes)


@pytest.mark.parametrize("owner", ["nobody", "x@y", "a b@example.com"])
def test_group_owner_must_be_email(ofs: Ofs, owner):
    ent = make_entity(ofs)
    assert_error(ofs.create_group(group_body(uniq("fg"), ent, owner=owner)), 400, REGISTRATION)


def test_group_missing_feature_group(ofs: Ofs):
    assert_error(ofs.create_group({"owner": DEFAULT_OWNER}), 400, REGISTRATION)


def test_group_identifier_64_chars_ok(ofs: Ofs):
    ent = make_entity(ofs)
    name = (uniq("G") + "g" * 64)[:64]
    assert_ok(ofs.create_group(group_body(name, ent, [(("c" * 64), "INT")])))


# ------------------------------------------------------------------------------------------------
# register (metadata only)
# ------------------------------------------------------------------------------------------------

def test_darwin_register_group(darwin: Ofs):
    ent = make_entity(darwin)
    name = uniq("fg_reg")
    assert_ok(darwin.register_group(group_body(name, ent, tags=["reg"])))
    meta = assert_ok(darwin.group_meta(name))
    assert meta["version"] == "v1"
    assert meta["tags"] == ["reg"]
    assert meta["featureGroup"]["entityName"] == ent
    assert assert_ok(darwin.on("v1").group_meta(name))["name"] == name


def test_darwin_register_group_validates(darwin: Ofs):
    ent = make_entity(darwin)
    assert_error(darwin.register_group(group_body(uniq("fg_reg"), ent, [("a__b", "INT")])), 400, COLUMN_NAMES)


# ------------------------------------------------------------------------------------------------
# state
# ------------------------------------------------------------------------------------------------

def test_archive_and_revive_group(ofs: Ofs):
    ent = make_entity(ofs)
    grp = make_group(ofs, ent)
    m0 = assert_ok(ofs.group_meta(grp))
    assert_ok(ofs.set_group_state(grp, "ARCHIVED"))
    m1 = assert_ok(ofs.group_meta(grp))
    assert m1["state"] == "ARCHIVED"
    assert m1["updatedAt"] >= m0["updatedAt"]
    assert_ok(ofs.set_group_state(grp, "LIVE"))
    assert assert_ok(ofs.group_meta(grp))["state"] == "LIVE"


def test_archive_specific_version(ofs: Ofs):
    ent = make_entity(ofs)
    grp = make_group(ofs, ent)
    make_group(ofs, ent, grp, upgrade=True)
    assert_ok(ofs.set_group_state(grp, "ARCHIVED", version="v1"))
    assert assert_ok(ofs.group_meta(grp, "v1"))["state"] == "ARCHIVED"
    assert assert_ok(ofs.group_meta(grp, "v2"))["state"] == "LIVE"
    assert assert_ok(ofs.group_meta(grp))["state"] == "LIVE"


def test_archive_missing_version_means_latest(ofs: Ofs):
    ent = make_entity(ofs)
    grp = make_group(ofs, ent)
    make_group(ofs, ent, grp, upgrade=True)
    assert_ok(ofs.set_group_state(grp, "ARCHIVED"))
    assert assert_ok(ofs.group_meta(grp, "v2"))["state"] == "ARCHIVED"
    assert assert_ok(ofs.group_meta(grp, "v1"))["state"] == "LIVE"


def test_group_state_unknown_group_and_version(ofs: Ofs):
    assert_error(ofs.set_group_state(uniq("nope"), "ARCHIVED"), 404, "FEATURE-GROUP-NOT-FOUND-EXCEPTION")
    ent = make_entity(ofs)
    grp = make_group(ofs, ent)
    assert_error(ofs.set_group_state(grp, "ARCHIVED", version="v7"), 404, ofs.version_not_found)


def test_group_invalid_state_value(ofs: Ofs):
    ent = make_entity(ofs)
    grp = make_group(ofs, ent)
    assert_error(ofs.set_group_state(grp, "GONE"), 400)
    assert assert_ok(ofs.group_meta(grp))["state"] == "LIVE"


def test_archived_group_still_has_metadata(ofs: Ofs):
    ent = make_entity(ofs)
    grp = make_group(ofs, ent)
    assert_ok(ofs.set_group_state(grp, "ARCHIVED"))
    meta = assert_ok(ofs.group_meta(grp))
    assert meta["name"] == grp and meta["state"] == "ARCHIVED"


def test_upgrade_of_archived_latest_creates_live_version(ofs: Ofs):
    ent = make_entity(ofs)
    grp = make_group(ofs, ent)
    assert_ok(ofs.set_group_state(grp, "ARCHIVED"))
    data = assert_ok(ofs.create_group(group_body(grp, ent), upgrade=True))
    assert data["version"] == "v2"
    assert assert_ok(ofs.group_meta(grp))["state"] == "LIVE"


# ------------------------------------------------------------------------------------------------
# ttl
# ------------------------------------------------------------------------------------------------

def test_ttl_update_accepted(ofs: Ofs):
    ent = make_entity(ofs)
    grp = make_group(ofs, ent)
    assert_ok(ofs.set_ttl(grp, 86400))


def test_ttl_update_unknown_group(ofs: Ofs):
    assert_error(ofs.set_ttl(uniq("nope"), 10), 404, "FEATURE-GROUP-NOT-FOUND-EXCEPTION")


def test_ttl_update_negative_rejected(ofs: Ofs):
    ent = make_entity(ofs)
    grp = make_group(ofs, ent)
    assert_error(ofs.set_ttl(grp, -1), 400)
