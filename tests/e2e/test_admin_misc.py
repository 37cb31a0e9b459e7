"""Admin API beyond create/read: schema, versions, topic, runs, tenants, search and catalog dumps.

API.md sections covered: 1 (header `compressed-response`), 2 (Tenants, physical naming stays internal),
4 (GET .../schema on admin and serving, .../versions, /feature-group/version, .../topic, .../runs and
/feature-group/run-data, /v1/tenant, /feature-group/tenant, /tenant/list, /tenant/feature-group/all,
/tenant/all, /v1/search, /search/*, /v1/catalog, /entity/all*, /feature-group/all*,
/feature-group/version/all*), 6 (topic per consume tenant), 7 (not-found and request codes).
"""

import json
import time

import pytest

from e2e_support import (
    DEFAULT_OWNER, DEFAULT_TENANT, Ofs, assert_error, assert_no_nulls, assert_ok, col, decode_dump, entity_body,
    group_body, item_name, make_entity, make_group, mentions, names_of, now_ms, uniq,
)

TENANT_NOT_FOUND = "OFS-V2-TENANT-NOT-FOUND-EXCEPTION"


def _tenant_of(payload):
    """GET tenant answers the group's tenant config: under "tenant" (v1) or "tenantConfig" (Darwin)."""
    for key in ("tenant", "tenantConfig"):
        if isinstance(payload, dict) and isinstance(payload.get(key), dict):
            return payload[key]
    return payload


def _set_tenant_or_skip(ofs, name, tenant, version=None):
    r = ofs.set_tenant(name, tenant, version)
    if r.status == 400 and isinstance(r.body, dict) and r.body.get("error", {}).get("code") == TENANT_NOT_FOUND:
        pytest.skip("this deployment only accepts configured tenant names")
    return assert_ok(r)


# ------------------------------------------------------------------------------------------------
# schema
# ------------------------------------------------------------------------------------------------

def test_schema_lists_entity_then_group_columns(ofs: Ofs):
    ent = make_entity(ofs, features=[("id", "BIGINT"), ("region", "TEXT"), ("day", "INT")], keys=["id", "day"])
    grp = make_group(ofs, ent, features=[col("score", "DOUBLE", "s"), ("label", "TEXT")])
    data = assert_ok(ofs.schema(grp))
    names = [c["name"] for c in data["schema"]]
    assert names == ["id", "region", "day", "score", "label"], data
    types = {c["name"]: c["type"] for c in data["schema"]}
    assert types == {"id": "BIGINT", "region": "TEXT", "day": "INT", "score": "DOUBLE", "label": "TEXT"}
    assert data["primaryKeys"] == ["id", "day"]
    assert data["version"] == "v1"
    assert data["featureGroupType"] == "ONLINE"
    # clients only ever see plain column names
    assert not any("__" in n for n in names)
    for c in data["schema"]:
        assert "description" in c and "tags" in c
    assert_no_nulls(data)


def test_schema_per_version(ofs: Ofs):
    ent = make_entity(ofs)
    grp = make_group(ofs, ent, features=[("a", "INT")])
    make_group(ofs, ent, grp, features=[("a", "INT"), ("b", "TEXT")], upgrade=True)
    latest = assert_ok(ofs.schema(grp))
    assert latest["version"] == "v2"
    assert [c["name"] for c in latest["schema"]] == ["id", "region", "a", "b"]
    old = assert_ok(ofs.schema(grp, "v1"))
    assert old["version"] == "v1"
    assert [c["name"] for c in old["schema"]] == ["id", "region", "a"]
    assert_error(ofs.schema(grp, "v5"), 404, ofs.version_not_found)


def test_schema_on_serving_port(server):
    v1 = Ofs(server, "v1")
    ent = make_entity(v1)
    grp = make_group(v1, ent)
    via_admin = assert_ok(v1.schema(grp))
    via_serving = assert_ok(v1.schema(grp, client=server.serving))
    assert via_serving == via_admin
    assert assert_ok(v1.schema(grp, "v1", client=server.serving)) == assert_ok(v1.schema(grp, "v1"))


def test_schema_unknown_group(ofs: Ofs):
    assert_error(ofs.schema(uniq("nope")), 404, "FEATURE-GROUP-NOT-FOUND-EXCEPTION")


def test_schema_of_archived_group_refused(ofs: Ofs):
    ent = make_entity(ofs)
    grp = make_group(ofs, ent)
    assert_ok(ofs.set_group_state(grp, "ARCHIVED"))
    assert_error(ofs.schema(grp), 400, "FEATURE-GROUP-STATE-EXCEPTION")


# ------------------------------------------------------------------------------------------------
# versions
# ------------------------------------------------------------------------------------------------

def test_darwin_latest_version(darwin: Ofs):
    ent = make_entity(darwin)
    grp = make_group(darwin, ent)
    before = now_ms()
    v = assert_ok(darwin.versions(grp))["version"]
    assert v["name"] == grp
    assert v["latestVersion"] == "v1"
    assert isinstance(v["updatedAt"], int)
    make_group(darwin, ent, grp, upgrade=True)
    v2 = assert_ok(darwin.versions(grp))["version"]
    assert v2["latestVersion"] == "v2"
    assert v2["updatedAt"] >= v["updatedAt"]
    assert v2["updatedAt"] >= before - 5000


def _version_strings(obj):
    return sorted({s for s in _all_str(obj) if len(s) > 1 and s[0] in "vV" and s[1:].isdigit()},
                  key=lambda s: int(s[1:]))


def _all_str(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _all_str(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _all_str(v)


def test_v1_versions_lists_all(v1: Ofs):
    ent = make_entity(v1)
    grp = make_group(v1, ent)
    make_group(v1, ent, grp, upgrade=True)
    make_group(v1, ent, grp, upgrade=True)
    data = assert_ok(v1.versions(grp))
    assert _version_strings(data) == ["v1", "v2", "v3"], data
    assert mentions(data, grp)


def test_versions_unknown_group(ofs: Ofs):
    assert_error(ofs.versions(uniq("nope")), 404, "FEATURE-GROUP-NOT-FOUND-EXCEPTION")


# ------------------------------------------------------------------------------------------------
# topic
# ------------------------------------------------------------------------------------------------

def test_topic_of_default_tenant(ofs: Ofs):
    ent = make_entity(ofs)
    grp = make_group(ofs, ent)
    data = assert_ok(ofs.topic(grp))
    assert data["featureGroupName"] == grp
    assert data["topic"] == "default"


def test_topic_follows_consume_tenant(ofs: Ofs):
    ent = make_entity(ofs)
    grp = make_group(ofs, ent)
    tenant = uniq("tc")
    _set_tenant_or_skip(ofs, grp, {"read": DEFAULT_TENANT, "write": DEFAULT_TENANT, "consume": tenant})
    data = assert_ok(ofs.topic(grp))
    assert data["topic"] != "default"
    assert tenant in data["topic"]


def test_topic_unknown_group(ofs: Ofs):
    assert_error(ofs.topic(uniq("nope")), 404, "FEATURE-GROUP-NOT-FOUND-EXCEPTION")


# ------------------------------------------------------------------------------------------------
# runs
# ------------------------------------------------------------------------------------------------

def _run(run_id, count, status="SUCCESS", error=""):
    return {"runId": run_id, "timeTaken": 1500 + count, "count": count,
            "sampleData": [{"id": count, "score": 0.5}], "errorMessage": error, "status": status}


def _sample_equal(got, sent):
    if isinstance(got, str):
        try:
            got = json.loads(got)
        except ValueError:
            return False
    return got == sent


def test_runs_newest_first(ofs: Ofs):
    ent = make_entity(ofs)
    grp = make_group(ofs, ent)
    sent = []
    for i in range(3):
        run = _run(uniq("run"), 10 * (i + 1), "FAILED" if i == 1 else "SUCCESS", "boom" if i == 1 else "")
        assert_ok(ofs.post_run(grp, run))
        sent.append(run)
        time.sleep(0.01)
    got = assert_ok(ofs.get_runs(grp))
    assert isinstance(got, list)
    assert [r["runId"] for r in got] == [r["runId"] for r in reversed(sent)]
    for g, s in zip(got, reversed(sent)):
        assert g["timeTaken"] == s["timeTaken"]
        assert g["count"] == s["count"]
        assert g["status"] == s["status"]
        assert g.get("errorMessage", "") == s["errorMessage"]
        assert _sample_equal(g["sampleData"], s["sampleData"]), g


def test_runs_visible_on_both_faces(server):
    v1, dw = Ofs(server, "v1"), Ofs(server, "darwin")
    ent = make_entity(v1)
    grp = make_group(v1, ent)
    r1 = _run(uniq("run"), 1)
    assert_ok(v1.post_run(grp, r1))
    time.sleep(0.01)
    r2 = _run(uniq("run"), 2)
    assert_ok(dw.post_run(grp, r2, version="v1"))
    for face in (v1, dw):
        got = assert_ok(face.get_runs(grp, "v1") if face is dw else face.get_runs(grp))
        assert [r["runId"] for r in got] == [r2["runId"], r1["runId"]]


def test_runs_empty(ofs: Ofs):
    ent = make_entity(ofs)
    grp = make_group(ofs, ent)
    assert assert_ok(ofs.get_runs(grp)) == []


def test_runs_unknown_group(ofs: Ofs):
    assert_error(ofs.post_run(uniq("nope"), _run("r", 1)), 404, "FEATURE-GROUP-NOT-FOUND-EXCEPTION")
    assert_error(ofs.get_runs(uniq("nope")), 404, "FEATURE-GROUP-NOT-FOUND-EXCEPTION")


def test_darwin_run_data_needs_name(server):
    assert_error(server.admin.get("/feature-group/run-data"), 400, "INVALID_REQUEST")


# ------------------------------------------------------------------------------------------------
# tenants
# ------------------------------------------------------------------------------------------------

def test_tenant_defaults(ofs: Ofs):
    ent = make_entity(ofs)
    grp = make_group(ofs, ent)
    t = _tenant_of(assert_ok(ofs.get_tenant(grp)))
    assert t == {"read": DEFAULT_TENANT, "write": DEFAULT_TENANT, "consume": DEFAULT_TENANT}


def test_tenant_update_and_read_back(ofs: Ofs):
    ent = make_entity(ofs)
    grp = make_group(ofs, ent)
    tenants = {"read": uniq("tr"), "write": uniq("tw"), "consume": uniq("tc")}
    _set_tenant_or_skip(ofs, grp, tenants)
    assert _tenant_of(assert_ok(ofs.get_tenant(grp))) == tenants
    assert assert_ok(ofs.group_meta(grp))["tenant"] == tenants
    # the other face sees the same
    other = ofs.on("darwin" if ofs.v1 else "v1")
    assert _tenant_of(assert_ok(other.get_tenant(grp))) == tenants


def test_tenant_of_specific_version(ofs: Ofs):
    ent = make_entity(ofs)
    grp = make_group(ofs, ent)
    make_group(ofs, ent, grp, upgrade=True)
    tenants = {"read": uniq("tr"), "write": uniq("tw"), "consume": uniq("tc")}
    _set_tenant_or_skip(ofs, grp, tenants, version="v1")
    assert _tenant_of(assert_ok(ofs.get_tenant(grp, "v1"))) == tenants
    assert assert_ok(ofs.group_meta(grp, "v1"))["tenant"] == tenants


def test_tenant_unknown_group(ofs: Ofs):
    assert_error(ofs.get_tenant(uniq("nope")), 404, "FEATURE-GROUP-NOT-FOUND-EXCEPTION")
    r = ofs.set_tenant(uniq("nope"), {"read": "a", "write": "b", "consume": "c"})
    assert_error(r, 404, "FEATURE-GROUP-NOT-FOUND-EXCEPTION")


def test_tenant_get_needs_name(ofs: Ofs):
    path = "/v1/tenant" if ofs.v1 else "/feature-group/tenant"
    assert_error(ofs.admin.get(path), 400, "INVALID_REQUEST")


def test_tenant_list(server):
    v1 = Ofs(server, "v1")
    ent = make_entity(v1)
    grp = make_group(v1, ent)
    tenants = {"read": uniq("tr"), "write": uniq("tw"), "consume": uniq("tc")}
    _set_tenant_or_skip(v1, grp, tenants)
    data = assert_ok(server.admin.get("/tenant/list"))
    for t in list(tenants.values()) + [DEFAULT_TENANT]:
        assert mentions(data, t), f"{t} missing from /tenant/list: {data}"


@pytest.mark.parametrize("kind", ["read", "write", "consume"])
def test_tenant_feature_groups(server, kind):
    v1 = Ofs(server, "v1")
    ent = make_entity(v1)
    grp_a = make_group(v1, ent)
    grp_b = make_group(v1, ent)
    tenant = uniq("tt")
    config = {"read": DEFAULT_TENANT, "write": DEFAULT_TENANT, "consume": DEFAULT_TENANT, kind: tenant}
    _set_tenant_or_skip(v1, grp_a, config)
    data = assert_ok(server.admin.get("/tenant/feature-group/all", query={"tenant-name": tenant,
                                                                          "tenant-type": kind}))
    assert mentions(data, grp_a), data
    assert not mentions(data, grp_b), data


def test_tenant_feature_groups_bad_type(server):
    r = server.admin.get("/tenant/feature-group/all", query={"tenant-name": DEFAULT_TENANT, "tenant-type": "bogus"})
    assert_error(r, 400)


def test_tenant_feature_groups_needs_name(server):
    assert_error(server.admin.get("/tenant/feature-group/all", query={"tenant-type": "read"}), 400)


def test_move_all_groups_of_a_tenant(server):
    v1 = Ofs(server, "v1")
    ent = make_entity(v1)
    old, new = uniq("told"), uniq("tnew")
    groups = [make_group(v1, ent) for _ in range(3)]
    untouched = make_group(v1, ent)
    for g in groups:
        _set_tenant_or_skip(v1, g, {"read": old, "write": DEFAULT_TENANT, "consume": DEFAULT_TENANT})
    r = server.admin.put("/tenant/all", {"tenantType": "read", "currentTenant": old, "newTenant": new})
    assert_ok(r)
    for g in groups:
        t = _tenant_of(assert_ok(v1.get_tenant(g)))
        assert t == {"read": new, "write": DEFAULT_TENANT, "consume": DEFAULT_TENANT}, (g, t)
    assert _tenant_of(assert_ok(v1.get_tenant(untouched)))["read"] == DEFAULT_TENANT
    listed = assert_ok(server.admin.get("/tenant/feature-group/all", query={"tenant-name": new,
                                                                            "tenant-type": "read"}))
    for g in groups:
        assert mentions(listed, g)


def test_move_all_bad_body(server):
    r = server.admin.put("/tenant/all", {"tenantType": "sideways", "currentTenant": "a", "newTenant": "b"})
    assert_error(r, 400)
    assert_error(server.admin.put("/tenant/all", {"tenantType": "read"}), 400)


# ------------------------------------------------------------------------------------------------
# search (v1)
# ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def search_world(server):
    """Entities and groups with a unique name stem, distinct tags and owners."""
    v1 = Ofs(server, "v1")
    stem = uniq("srch")
    tag_a, tag_b = uniq("taga"), uniq("tagb")
    owner_x = f"{uniq('ownerx')}@example.com"
    ents = []
    for i in range(5):
        name = f"{stem}_e{i}"
        tags = [tag_a] if i < 2 else [tag_b]
        owner = owner_x if i == 4 else DEFAULT_OWNER
        assert_ok(v1.create_entity(entity_body(name, tags=tags, owner=owner, description=f"search entity {i}")))
        ents.append(name)
    groups = []
    for i in range(3):
        name = f"{stem}_g{i}"
        tags = [tag_a] if i == 0 else [tag_b]
        owner = owner_x if i == 2 else DEFAULT_OWNER
        assert_ok(v1.create_group(group_body(name, ents[0], tags=tags, owner=owner)))
        groups.append(name)
    return {"stem": stem, "entities": ents, "groups": groups, "tag_a": tag_a, "tag_b": tag_b, "owner_x": owner_x}


def _search(server, **params):
    return assert_ok(server.admin.get("/v1/search", query=params))


def test_v1_search_by_text(server, search_world):
    w = search_world
    data = _search(server, q=w["stem"], limit=100)
    assert sorted(names_of(data["entities"])) == sorted(w["entities"])
    assert sorted(names_of(data["featureGroups"])) == sorted(w["groups"])


def test_v1_search_kind_filter(server, search_world):
    w = search_world
    ents = _search(server, q=w["stem"], kind="entity", limit=100)
    assert sorted(names_of(ents["entities"])) == sorted(w["entities"])
    assert not ents.get("featureGroups")
    groups = _search(server, q=w["stem"], kind="feature-group", limit=100)
    assert sorted(names_of(groups["featureGroups"])) == sorted(w["groups"])
    assert not groups.get("entities")


def test_v1_search_by_tag(server, search_world):
    w = search_world
    data = _search(server, q=w["stem"], tags=w["tag_a"], limit=100)
    assert sorted(names_of(data["entities"])) == sorted(w["entities"][:2])
    assert names_of(data["featureGroups"]) == [w["groups"][0]]
    # tags alone (no text) also filter
    data = _search(server, tags=w["tag_a"], limit=100)
    assert sorted(names_of(data["entities"])) == sorted(w["entities"][:2])


def test_v1_search_by_owner(server, search_world):
    w = search_world
    data = _search(server, owners=w["owner_x"], limit=100)
    assert names_of(data["entities"]) == [w["entities"][4]]
    assert names_of(data["featureGroups"]) == [w["groups"][2]]


def test_v1_search_paging(server, search_world):
    w = search_world
    pages = []
    for offset in (0, 2, 4, 6):
        data = _search(server, q=w["stem"], kind="entity", limit=2, offset=offset)
        pages.append(names_of(data.get("entities", [])))
    assert [len(p) for p in pages] == [2, 2, 1, 0]
    flat = [n for p in pages for n in p]
    assert len(set(flat)) == 5
    assert sorted(flat) == sorted(w["entities"])


def test_v1_search_results_are_metadata(server, search_world):
    w = search_world
    data = _search(server, q=w["stem"], limit=100)
    e = next(x for x in data["entities"] if x.get("name") == w["entities"][0])
    assert e["owner"] == DEFAULT_OWNER and e["tags"] == [w["tag_a"]] and e["state"] == "LIVE"
    g = next(x for x in data["featureGroups"] if x.get("name") == w["groups"][0])
    assert g["version"] == "v1" and g["tags"] == [w["tag_a"]]


def test_v1_search_no_match(server):
    data = _search(server, q=uniq("nothing_matches_this"))
    assert not data.get("entities") and not data.get("featureGroups")


@pytest.mark.parametrize("params", [{"limit": "abc"}, {"limit": -1}, {"offset": -3}, {"kind": "table"}])
def test_v1_search_bad_parameters(server, params):
    r = server.admin.get("/v1/search", query=dict(q="x", **params))
    assert_error(r, 400, codes={"SEARCH-FEATURE-GROUP-REQUEST-EXCEPTION", "SEARCH-ENTITY-REQUEST-EXCEPTION",
                                "INVALID_REQUEST"})


# ------------------------------------------------------------------------------------------------
# search (Darwin)
# ------------------------------------------------------------------------------------------------

def test_darwin_search_entities(server, search_world):
    w = search_world
    r = server.admin.get("/search/entities", {"searchPattern": w["stem"], "tags": [], "owners": []},
                         query={"page-size": 50, "page-offset": 0})
    data = assert_ok(r)
    for e in w["entities"]:
        assert mentions(data, e), (e, data)
    for g in w["groups"]:
        assert not mentions(data, g)


def test_darwin_search_entities_by_tag(server, search_world):
    w = search_world
    r = server.admin.get("/search/entities", {"searchPattern": w["stem"], "tags": [w["tag_b"]], "owners": []},
                         query={"page-size": 50, "page-offset": 0})
    data = assert_ok(r)
    for e in w["entities"][2:]:
        assert mentions(data, e)
    for e in w["entities"][:2]:
        assert not mentions(data, e)


def test_darwin_search_feature_groups(server, search_world):
    w = search_world
    r = server.admin.get("/search/feature-groups", {"searchPattern": w["stem"], "tags": [],
                                                    "owners": [w["owner_x"]]},
                         query={"page-size": 50, "page-offset": 0})
    data = assert_ok(r)
    assert mentions(data, w["groups"][2])
    assert not mentions(data, w["groups"][0])


def test_darwin_search_accepts_post_body(server, search_world):
    w = search_world
    r = server.admin.post("/search/feature-groups", {"searchPattern": w["stem"], "tags": [], "owners": []},
                          query={"page-size": 50})
    data = assert_ok(r)
    for g in w["groups"]:
        assert mentions(data, g)


@pytest.mark.parametrize("path,key", [
    ("/search/all-entity-owners", "owner_x"),
    ("/search/all-feature-group-owners", "owner_x"),
    ("/search/all-entity-tags", "tag_a"),
    ("/search/all-feature-group-tags", "tag_b"),
])
def test_darwin_distinct_owners_and_tags(server, search_world, path, key):
    data = assert_ok(server.admin.get(path))
    assert mentions(data, search_world[key]), data
    if path.endswith("owners"):
        assert mentions(data, DEFAULT_OWNER)


# ------------------------------------------------------------------------------------------------
# catalog (v1)
# ------------------------------------------------------------------------------------------------

def test_v1_catalog_full(server):
    v1 = Ofs(server, "v1")
    ent = make_entity(v1)
    grp = make_group(v1, ent)
    make_group(v1, ent, grp, upgrade=True)
    r = server.admin.get("/v1/catalog", query={"since": 0})
    data = assert_ok(r)
    assert "gzip" not in r.headers.get("content-encoding", "")
    assert isinstance(data["entities"], list) and isinstance(data["featureGroups"], list)
    assert isinstance(data["versions"], list)
    assert ent in names_of(data["entities"])
    assert grp in names_of(data["featureGroups"])
    # every version of the group is in the catalog
    fg_items = [x for x in data["featureGroups"] if item_name(x) == grp]
    assert {"v1", "v2"} <= set(_version_strings(fg_items)), fg_items
    assert any(mentions(v, grp) and mentions(v, "v2") for v in data["versions"]), data["versions"]


def item_is(x, name):
    return item_name(x) == name


def test_v1_catalog_since(server):
    v1 = Ofs(server, "v1")
    ent = make_entity(v1)
    meta = assert_ok(v1.entity_meta(ent))
    grp = make_group(v1, ent)
    gmeta = assert_ok(v1.group_meta(grp))
    since_before = meta["updatedAt"] - 1
    data = assert_ok(server.admin.get("/v1/catalog", query={"since": since_before}))
    assert ent in names_of(data["entities"])
    assert grp in names_of(data["featureGroups"])
    future = max(meta["updatedAt"], gmeta["updatedAt"]) + 3_600_000
    data = assert_ok(server.admin.get("/v1/catalog", query={"since": future}))
    assert ent not in names_of(data.get("entities", []))
    assert grp not in names_of(data.get("featureGroups", []))
    assert not any(mentions(v, grp) for v in data.get("versions", []))


def test_v1_catalog_sees_updates(server):
    v1 = Ofs(server, "v1")
    ent = make_entity(v1)
    meta = assert_ok(v1.entity_meta(ent))
    time.sleep(0.005)
    assert_ok(v1.set_entity_state(ent, "ARCHIVED"))
    data = assert_ok(server.admin.get("/v1/catalog", query={"since": meta["updatedAt"] + 1}))
    updated = [e for e in data["entities"] if item_is(e, ent)]
    assert updated and updated[0]["state"] == "ARCHIVED", data["entities"]


def test_v1_catalog_bad_since(server):
    assert_error(server.admin.get("/v1/catalog", query={"since": "yesterday"}), 400)


# ------------------------------------------------------------------------------------------------
# catalog dumps (Darwin)
# ------------------------------------------------------------------------------------------------

DUMPS = [
    ("/entity/all", "/entity/all-updated", "entities"),
    ("/feature-group/all", "/feature-group/all-updated", "featureGroups"),
    ("/feature-group/version/all", "/feature-group/version/all-updated", "versions"),
]


@pytest.fixture(scope="module")
def dump_world(server):
    v1 = Ofs(server, "v1")
    ent = make_entity(v1)
    grp = make_group(v1, ent)
    meta = assert_ok(v1.group_meta(grp))
    emeta = assert_ok(v1.entity_meta(ent))
    return {"entity": ent, "group": grp, "since": min(meta["createdAt"], emeta["createdAt"]) - 1,
            "max": max(meta["updatedAt"], emeta["updatedAt"])}


def _expected_name(world, key):
    return world["entity"] if key == "entities" else world["group"]


@pytest.mark.parametrize("path,_updated,key", DUMPS)
def test_darwin_dump_compressed(server, dump_world, path, _updated, key):
    data = assert_ok(server.admin.get(path))
    assert isinstance(data, str), "dump is a string"
    doc = decode_dump(data, compressed=True)
    assert isinstance(doc[key], list)
    assert mentions(doc[key], _expected_name(dump_world, key))


@pytest.mark.parametrize("path,_updated,key", DUMPS)
def test_darwin_dump_uncompressed_matches(server, dump_world, path, _updated, key):
    plain = assert_ok(server.admin.get(path, headers={"compressed-response": "false"}))
    assert isinstance(plain, str)
    doc = decode_dump(plain, compressed=False)
    assert mentions(doc[key], _expected_name(dump_world, key))
    packed = decode_dump(assert_ok(server.admin.get(path, headers={"compressed-response": "true"})))
    # both encodings carry the same catalog (others may have been added in between: compare ours)
    name = _expected_name(dump_world, key)
    mine = lambda d: [x for x in d[key] if mentions(x, name)]  # noqa: E731
    assert mine(doc) == mine(packed)


@pytest.mark.parametrize("_path,path,key", DUMPS)
def test_darwin_dump_updated_since(server, dump_world, _path, path, key):
    name = _expected_name(dump_world, key)
    recent = decode_dump(assert_ok(server.admin.get(path, query={"timestamp": dump_world["since"]})))
    assert mentions(recent[key], name)
    later = decode_dump(assert_ok(server.admin.get(path, query={"timestamp": dump_world["max"] + 3_600_000})))
    assert not mentions(later.get(key, []), name)


@pytest.mark.parametrize("_path,path,_key", DUMPS)
def test_darwin_dump_updated_needs_timestamp(server, _path, path, _key):
    assert_error(server.admin.get(path), 400, "INVALID_REQUEST")
