"""Access control with bearer tokens (a dedicated server started with --config <toml> that sets tokens).

API.md sections covered: 1 (header `Authorization: Bearer <token>`), 8 (roles admin / writer / reader; missing
or unknown token -> 401 UNAUTHENTICATED, wrong role -> 403 FORBIDDEN; health and metrics stay open),
7 (UNAUTHENTICATED / FORBIDDEN with the full error envelope).
"""

import pytest

from e2e_support import (
    DEFAULT_TENANT, FACES, Ofs, assert_error, assert_ok, entity_body, found_map, group_body, read_body, uniq,
    write_body,
)

SERVER_CONFIG = """
[auth]
tokens = [ { token = "admintok", roles = ["admin","writer","reader"] }, { token = "readtok", roles = ["reader"] } ]
"""

ADMIN, READER = "admintok", "readtok"


@pytest.fixture(scope="module")
def world(module_server):
    """An entity + group with one row, created with the admin token."""
    admin = Ofs(module_server, "v1", token=ADMIN)
    ent = uniq("auth_ent")
    assert_ok(admin.create_entity(entity_body(ent)))
    grp = uniq("auth_fg")
    assert_ok(admin.create_group(group_body(grp, ent)))
    w = assert_ok(admin.write(grp, ["id", "label"], [[1, "secret"]]))
    assert w["failedRows"] == []
    return {"server": module_server, "entity": ent, "group": grp}


def _as(world, face, token):
    return Ofs(world["server"], face, token=token)


# ------------------------------------------------------------------------------------------------
# open endpoints
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/health", "/healthcheck", "/metrics"])
def test_health_and_metrics_stay_open(module_server, path):
    for client in (module_server.serving, module_server.admin):
        r = client.get(path)
        assert r.status == 200, r.describe()
        bad = client.with_token("not-a-token").get(path)
        assert bad.status == 200, bad.describe()


# ------------------------------------------------------------------------------------------------
# admin mutations
# ------------------------------------------------------------------------------------------------

def _mutations(ofs: Ofs, world):
    grp, ent = world["group"], world["entity"]
    calls = {
        "create_entity": lambda: ofs.create_entity(entity_body(uniq("auth_e"))),
        "create_group": lambda: ofs.create_group(group_body(uniq("auth_g"), ent)),
        "upgrade_group": lambda: ofs.create_group(group_body(grp, ent), upgrade=True),
        "entity_state": lambda: ofs.set_entity_state(ent, "LIVE"),
        "group_state": lambda: ofs.set_group_state(grp, "LIVE"),
        "ttl": lambda: ofs.set_ttl(grp, 0),
        "tenant": lambda: ofs.set_tenant(grp, {"read": DEFAULT_TENANT, "write": DEFAULT_TENANT,
                                               "consume": DEFAULT_TENANT}),
    }
    if not ofs.v1:
        calls["register_entity"] = lambda: ofs.register_entity(entity_body(uniq("auth_re")))
        calls["register_group"] = lambda: ofs.register_group(group_body(uniq("auth_rg"), ent))
        calls["move_tenants"] = lambda: ofs.admin.put("/tenant/all", {"tenantType": "consume",
                                                                      "currentTenant": DEFAULT_TENANT,
                                                                      "newTenant": DEFAULT_TENANT})
    return calls


MUTATIONS_V1 = ["create_entity", "create_group", "upgrade_group", "entity_state", "group_state", "ttl", "tenant"]
MUTATIONS_DARWIN = MUTATIONS_V1 + ["register_entity", "register_group", "move_tenants"]
MUTATION_CASES = [("v1", m) for m in MUTATIONS_V1] + [("darwin", m) for m in MUTATIONS_DARWIN]


@pytest.mark.parametrize("face,op", MUTATION_CASES, ids=[f"{f}-{m}" for f, m in MUTATION_CASES])
def test_admin_mutation_without_token_is_401(world, face, op):
    r = _mutations(_as(world, face, None), world)[op]()
    assert_error(r, 401, "UNAUTHENTICATED")


@pytest.mark.parametrize("face,op", MUTATION_CASES, ids=[f"{f}-{m}" for f, m in MUTATION_CASES])
def test_admin_mutation_with_reader_token_is_403(world, face, op):
    r = _mutations(_as(world, face, READER), world)[op]()
    assert_error(r, 403, "FORBIDDEN")


@pytest.mark.parametrize("face,op", MUTATION_CASES, ids=[f"{f}-{m}" for f, m in MUTATION_CASES])
def test_admin_mutation_with_admin_token_succeeds(world, face, op):
    r = _mutations(_as(world, face, ADMIN), world)[op]()
    assert_ok(r)


@pytest.mark.parametrize("face", FACES)
def test_refused_mutation_changes_nothing(world, face):
    name = uniq("auth_never")
    assert_error(_as(world, face, READER).create_entity(entity_body(name)), 403, "FORBIDDEN")
    assert_error(_as(world, face, None).create_entity(entity_body(name)), 401, "UNAUTHENTICATED")
    assert_error(_as(world, face, ADMIN).entity_meta(name), 404, "ENTITY-NOT-FOUND-EXCEPTION")


# ------------------------------------------------------------------------------------------------
# reads
# ------------------------------------------------------------------------------------------------

def _reads(ofs: Ofs, world):
    grp, ent = world["group"], world["entity"]
    return {
        "entity_meta": lambda: ofs.entity_meta(ent),
        "group_meta": lambda: ofs.group_meta(grp),
        "schema": lambda: ofs.schema(grp),
        "versions": lambda: ofs.versions(grp),
        "tenant": lambda: ofs.get_tenant(grp),
        "read": lambda: ofs.read(grp, ["label"], ["id"], [[1]]),
        "partition": lambda: ofs.partition(grp, ["label"], ["id"], [1]),
        "multi_read": lambda: ofs.multi_read([read_body(grp, ["label"], ["id"], [[1]])]),
    }


READS = ["entity_meta", "group_meta", "schema", "versions", "tenant", "read", "partition", "multi_read"]
READ_CASES = [(f, op) for f in FACES for op in READS]


@pytest.mark.parametrize("face,op", READ_CASES, ids=[f"{f}-{op}" for f, op in READ_CASES])
def test_reads_with_reader_token(world, face, op):
    assert_ok(_reads(_as(world, face, READER), world)[op]())


@pytest.mark.parametrize("face,op", READ_CASES, ids=[f"{f}-{op}" for f, op in READ_CASES])
def test_reads_without_token_are_401(world, face, op):
    assert_error(_reads(_as(world, face, None), world)[op](), 401, "UNAUTHENTICATED")


def test_reader_sees_the_data(world):
    # other tests may upgrade the group: the row was written to v1
    d = assert_ok(_as(world, "v1", READER).read(world["group"], ["label"], ["id"], [[1]], version="v1"))
    assert found_map(d) == {(1,): ["secret"]}


@pytest.mark.parametrize("path", ["/v1/catalog?since=0", "/entity/all", "/v1/search?q=auth", "/tenant/list",
                                  "/search/all-entity-owners"])
def test_admin_listing_reads(world, path):
    admin = world["server"].admin
    assert_error(admin.get(path), 401, "UNAUTHENTICATED")
    assert_ok(admin.with_token(READER).get(path))


# ------------------------------------------------------------------------------------------------
# writes
# ------------------------------------------------------------------------------------------------

def _writes(ofs: Ofs, world):
    grp = world["group"]
    calls = {
        "write": lambda: ofs.write(grp, ["id", "label"], [[2, "w"]]),
        "batch_write": lambda: ofs.batch_write([write_body(grp, ["id", "label"], [[3, "b"]])]),
    }
    if ofs.v1:
        calls["write_async"] = lambda: ofs.write_async(grp, ["id", "label"], [[4, "a"]])
    return calls


WRITE_CASES = [("v1", "write"), ("v1", "batch_write"), ("v1", "write_async"), ("darwin", "write"),
               ("darwin", "batch_write")]


@pytest.mark.parametrize("face,op", WRITE_CASES, ids=[f"{f}-{op}" for f, op in WRITE_CASES])
def test_writes_need_writer_role(world, face, op):
    assert_error(_writes(_as(world, face, None), world)[op](), 401, "UNAUTHENTICATED")
    assert_error(_writes(_as(world, face, READER), world)[op](), 403, "FORBIDDEN")
    r = _writes(_as(world, face, ADMIN), world)[op]()
    assert r.status in (200, 202), r.describe()


def test_refused_write_stores_nothing(world):
    grp = world["group"]
    reader = _as(world, "v1", READER)
    assert_error(reader.write(grp, ["id", "label"], [[99, "nope"]]), 403, "FORBIDDEN")
    d = assert_ok(reader.read(grp, ["label"], ["id"], [[99]]))
    assert d["failedKeys"] == [[99]]


# ------------------------------------------------------------------------------------------------
# token forms
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("header", ["Bearer not-a-token", "Bearer ", "Bearer", "Basic YWRtaW46YWRtaW4=",
                                    "admintok", "Bearer admintok-but-longer", "Bearer ADMINTOK"])
def test_bad_authorization_headers(world, header):
    admin = world["server"].admin
    r = admin.post("/v1/entity", entity_body(uniq("auth_bad")), headers={"Authorization": header})
    assert_error(r, 401, "UNAUTHENTICATED")
    serving = world["server"].serving
    r = serving.post("/v1/feature-group/read", read_body(world["group"], ["label"], ["id"], [[1]]),
                     headers={"Authorization": header})
    assert_error(r, 401, "UNAUTHENTICATED")


def test_bearer_scheme_is_case_insensitive(world):
    r = world["server"].serving.post("/v1/feature-group/read", read_body(world["group"], ["label"], ["id"], [[1]]),
                                     headers={"Authorization": "bearer readtok"})
    assert_ok(r)


def test_unknown_route_with_token_still_404(world):
    r = world["server"].admin.with_token(ADMIN).get("/v1/does-not-exist")
    assert_error(r, 404, "NOT-FOUND")
