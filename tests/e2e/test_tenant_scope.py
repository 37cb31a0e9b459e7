"""Tenant-scoped tokens: what each role and scope may do, on every route of both faces.

API.md section 8 (tokens scoped to tenants, 403 FORBIDDEN), section 2 (a group version's tenants; replicated
writes), section 4 (every admin route). The rule is stated in docs/configuration.md "What each token may do";
this module parses that very table and runs each cell (role x scope) of each row on each route the row lists,
so the documentation and the behaviour cannot drift apart:

- every cell gets its own token and its own tenants (`a<n>` in scope, `c<n>` in scope too, `b<n>` out), and
  every route of a cell a fresh world of entities and groups, so no test sees another's changes;
- "in" cells use objects whose tenants are all in the token's scope; "out" cells (and "all" cells, to show that
  an unscoped token may) use objects with one tenant out of scope: a group read on `b` but written on `a`, an
  entity shared with a group of `b`, a takeover by upgrade or re-tenant;
- a refused change is checked to have changed nothing.

Then the failures issue 15 reported, as explicit regression tests (each failed before the scope rule):
failure 2 (takeover of another tenant's group by upgrade), failure 3 (TTL of a shared entity), failure 5
(writes replicated into an out-of-scope read tenant; run records, metadata, schema, search and catalog of
another tenant open to a scoped token), and `POST /feature-group/tenant` over every version.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from e2e_support import (
    Ofs, assert_error, assert_ok, decode_dump, entity_body, found_map, group_body, mentions, now_ms, q,
    read_body, uniq, write_body,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
ROLES = ("admin", "writer", "reader")
SCOPES = ("all", "in", "out")
OUTCOMES = ("ok", "403", "hidden", "batch 403")
ROUTE = re.compile(r"^(serving )?(GET|POST|PUT) /\S+$")


# ------------------------------------------------------------------------------------------------
# the table
# ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    op: str
    routes: tuple
    cells: dict  # (role, scope) -> outcome


def parse_table(text: str) -> list[Row]:
    section = text[text.index("### What each token may do"):]
    lines = [line.strip() for line in section.splitlines()]
    start = next(i for i, line in enumerate(lines) if line.startswith("| operation |"))
    header = [c.strip() for c in lines[start].strip("|").split("|")]
    columns = header[3:]
    assert columns == [f"{r} {s}" for r in ROLES for s in SCOPES], f"unexpected columns {columns}"
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert len(cells) == len(header), f"row with {len(cells)} cells: {line}"
        op = cells[0].strip("`")
        routes = tuple(r for r in re.findall(r"`([^`]+)`", cells[1]) if ROUTE.match(r))
        outcome = {}
        for column, value in zip(columns, cells[3:]):
            assert value in OUTCOMES, f"{op}: unknown cell value {value!r}"
            role, scope = column.split()
            outcome[(role, scope)] = value
        rows.append(Row(op, routes, outcome))
    return rows


ROWS = parse_table(DOC.read_text())
ROOT = "scope-root"


@dataclass(frozen=True)
class Cell:
    index: int
    row: Row
    role: str
    scope: str

    @property
    def expected(self) -> str:
        return self.row.cells[(self.role, self.scope)]

    @property
    def token(self) -> str:
        return f"cell-{self.index}"

    @property
    def tenants(self) -> tuple:
        return f"a{self.index}", f"b{self.index}", f"c{self.index}"  # in, out, in

    def config_entry(self) -> str:
        scope = "" if self.scope == "all" else f', tenants = ["{self.tenants[0]}", "{self.tenants[2]}"]'
        return f'{{ token = "{self.token}", roles = ["{self.role}"]{scope} }}'


CELLS = [Cell(i, row, role, scope) for i, (row, role, scope) in
         enumerate((row, role, scope) for row in ROWS for role in ROLES for scope in SCOPES)]

# Tokens of the regression tests: tenant "ta" in scope, "tb" out of it.
REGRESSION_TOKENS = {"ta-admin": ("admin", "ta"), "ta-writer": ("writer", "ta"), "ta-reader": ("reader", "ta"),
                     "tb-writer": ("writer", "tb")}

SERVER_CONFIG = "[auth]\ntokens = [\n" + ",\n".join(
    [f'{{ token = "{ROOT}", roles = ["admin", "writer", "reader"] }}']
    + [f'{{ token = "{t}", roles = ["{role}"], tenants = ["{tenant}"] }}'
       for t, (role, tenant) in REGRESSION_TOKENS.items()]
    + [cell.config_entry() for cell in CELLS]) + "\n]\n"


# ------------------------------------------------------------------------------------------------
# a world of objects per test (created with the unscoped root token, built as the test asks for them)
# ------------------------------------------------------------------------------------------------

def tenant(read, write, consume) -> dict:
    return {"read": read, "write": write, "consume": consume}


class World:
    def __init__(self, server, tenants):
        self.server = server
        self.ta, self.tb, self.tc = tenants
        self.root = Ofs(server, "v1", token=ROOT)
        self.start_ms = now_ms() - 1
        self.entities: list[str] = []
        self.groups: list[str] = []
        self._made: dict = {}

    def _once(self, key, make):
        if key not in self._made:
            self._made[key] = make()
        return self._made[key]

    def entity(self, key) -> str:
        def make():
            name = uniq(f"sc_e{key}")
            assert_ok(self.root.create_entity(
                entity_body(name, owner=f"{name}@example.com", tags=[f"{name}-tag"])))
            self.entities.append(name)
            return name
        return self._once(("entity", key), make)

    def group(self, key, entity_key, tenants: dict) -> str:
        def make():
            name = uniq(f"sc_g{key}")
            body = group_body(name, self.entity(entity_key), owner=f"{name}@example.com", tags=[f"{name}-tag"])
            body["tenant"] = tenants
            assert_ok(self.root.create_group(body))
            self.groups.append(name)
            data = assert_ok(self.root.write(name, ["id", "label"], [[1, f"{name}-row"]]))
            assert data["failedRows"] == [], data
            return name
        return self._once(("group", key), make)

    # Every tenant of g_in is in scope; g_out is read on `b` (out) and written on `a` (in).
    @property
    def g_in(self):
        return self.group("in", "in", tenant(self.ta, self.ta, self.ta))

    @property
    def g_out(self):
        return self.group("out", "out", tenant(self.tb, self.ta, self.ta))

    @property
    def e_in(self):
        self.g_in
        return self.entity("in")

    @property
    def e_out(self):  # its only group is out of scope: the entity is not visible to the scoped token
        self.g_out
        return self.entity("out")

    @property
    def e_shared(self):  # an in-scope group and an out-of-scope one
        self.group("s_in", "shared", tenant(self.ta, self.ta, self.ta))
        self.group("s_out", "shared", tenant(self.tb, self.tb, self.tb))
        return self.entity("shared")

    @property
    def g_shared_in(self):  # in scope, on an entity shared with a group of b
        self.e_shared
        return self._made[("group", "s_in")]

    def fingerprint(self):
        """What a refused change must leave as it was: every object's metadata, runs and rows."""
        admin = self.root.admin
        state = []
        for e in self.entities:
            state.append(admin.get(f"/v1/entity/{q(e)}").body)
        for g in self.groups:
            state.append(admin.get(f"/v1/feature-group/{q(g)}/versions").body)
            state.append(admin.get(f"/v1/feature-group/{q(g)}/runs").body)
            for version in ("v1", None):
                r = self.root.read(g, ["label"], ["id"], [[1], [2]], version=version)
                state.append(found_map(assert_ok(r)))
        consumers = assert_ok(admin.get("/consumer/metadata/all"))
        state.append(sorted((t["tenantName"], t["topicName"], t["numConsumers"]) for t in consumers
                            if t["tenantName"] in (self.ta, self.tb, self.tc)))
        return state

    def register_consumer(self, tenant_name: str, partitions: int = 4):
        """Registers a topic for `tenant_name`'s consumers (Darwin's snake_case body) with the root token,
        unless an earlier route of the cell (whose tenants every route shares) did."""
        registered = assert_ok(self.root.admin.get("/consumer/metadata/all"))
        if any(t["tenantName"] == tenant_name for t in registered):
            return
        assert_ok(self.root.admin.post("/consumer/register", {"tenant_name": tenant_name,
                                                              "topic_name": uniq("sc_topic"),
                                                              "num_partitions": partitions}))


class Ctx:
    """One route of one cell: the token's clients, the world, and which side ("in"/"out") the cell targets."""

    def __init__(self, server, cell: Cell):
        self.cell = cell
        self.world = World(server, cell.tenants)
        self.admin = server.admin.with_token(cell.token)
        self.serving = server.serving.with_token(cell.token)
        self.target = "in" if cell.scope == "in" else "out"
        self.created: list[tuple[str, str]] = []  # (kind, name) a create route attempted

    def group(self, side=None):
        return self.world.g_in if (side or self.target) == "in" else self.world.g_out

    def entity(self, side=None):
        return self.world.e_in if (side or self.target) == "in" else self.world.e_out


# ------------------------------------------------------------------------------------------------
# the routes of each row
# ------------------------------------------------------------------------------------------------

def _first_accepted(call, values):
    """Darwin spells tenant types READER/WRITER/CONSUMER, earlier builds read/write/consume: try both."""
    r = None
    for value in values:
        r = call(value)
        if not (r.status == 400 and isinstance(r.body, dict)
                and r.body.get("error", {}).get("code") == "INVALID_REQUEST"):
            return r
    return r


# Change routes prepare the world, then return the request to send (so that the world is complete
# before its fingerprint is taken).
def _create_entity(path):
    def prepare(c: Ctx):
        name = uniq("sc_new_e")
        c.created.append(("entity", name))
        return lambda: c.admin.post(path, entity_body(name))
    return prepare


def _create_group(path):
    def prepare(c: Ctx):
        w = c.world
        name = uniq("sc_new_g")
        c.created.append(("group", name))
        body = group_body(name, w.e_in)
        body["tenant"] = tenant(w.ta, w.tc, w.ta) if c.target == "in" else tenant(w.tb, w.ta, w.ta)
        return lambda: c.admin.post(path, body)
    return prepare


def _upgrade(path):
    def prepare(c: Ctx):
        w = c.world
        if c.target == "in":
            body = group_body(w.g_in, w.e_in)  # inherits the latest version's tenants
        else:  # failure 2: take over a group of tenant b by naming tenant a
            body = group_body(w.g_out, w.e_out)
            body["tenant"] = tenant(w.ta, w.ta, w.ta)
        return lambda: c.admin.post(path, body, headers={"upgrade": "true"})
    return prepare


def _entity_state(v1: bool):
    def prepare(c: Ctx):
        e = c.world.e_in if c.target == "in" else c.world.e_shared
        if v1:
            return lambda: c.admin.put(f"/v1/entity/{q(e)}/state", {"state": "LIVE"})
        return lambda: c.admin.put("/entity", {"state": "LIVE"}, query={"name": e})
    return prepare


def _group_state(v1: bool):
    def prepare(c: Ctx):
        g = c.group()
        if v1:
            return lambda: c.admin.put(f"/v1/feature-group/{q(g)}/state", {"state": "LIVE"})
        return lambda: c.admin.put("/feature-group", {"state": "LIVE"}, query={"name": g})
    return prepare


def _ttl(v1: bool):
    def prepare(c: Ctx):
        g = c.world.g_in if c.target == "in" else c.world.g_shared_in  # failure 3: an entity shared with b
        body = {"name": g, "ttl": 3600}
        return lambda: c.admin.put(f"/v1/feature-group/{q(g)}/ttl" if v1 else "/feature-group/ttl", body)
    return prepare


def _set_tenant(v1: bool):
    def prepare(c: Ctx):
        w = c.world
        new = tenant(w.ta, w.tc, w.ta) if c.target == "in" else tenant(w.ta, w.ta, w.ta)
        g = c.group()
        if v1:
            return lambda: c.admin.post("/v1/tenant", {"name": g, "tenant": new})
        # Darwin's body is {"featureGroupName", "tenantConfig"}; earlier builds read {"name", "tenant"}.
        body = {"featureGroupName": g, "tenantConfig": new, "name": g, "tenant": new}
        return lambda: c.admin.post("/feature-group/tenant", body)
    return prepare


def _move(c: Ctx):
    w = c.world
    if c.target == "in":  # only in-scope groups use a's consume tenant
        w.g_in
        kind, darwin = "consume", "CONSUMER"
    else:  # g_out is written on a but read on b
        w.g_out
        kind, darwin = "write", "WRITER"
    body = lambda t: {"tenantType": t, "currentTenant": w.ta, "newTenant": w.tc}  # noqa: E731
    return lambda: _first_accepted(lambda t: c.admin.put("/tenant/all", body(t)), (darwin, kind))


def _add_run(v1: bool):
    def prepare(c: Ctx):
        g = c.group()
        if v1:
            return lambda: c.admin.post(f"/v1/feature-group/{q(g)}/runs", _run_body())
        return lambda: c.admin.post("/feature-group/run-data", _run_body(g))
    return prepare


def _load_body(group: str) -> dict:
    """A load job of `group` (its table does not exist: the job fails later, which the cells do not read)."""
    return {"tablePath": f"/nonexistent/{uniq('tbl')}", "featureGroupName": group}


def _load_job(c: Ctx, group: str) -> int:
    """The id of a load job of `group`, created with the root token."""
    return assert_ok(c.world.root.admin.post("/v1/load", _load_body(group)))["id"]


def _create_load(c: Ctx):
    body = _load_body(c.group())
    return lambda: c.admin.post("/v1/load", body)


def _load_list(c: Ctx, side):
    group = c.group(side)
    _load_job(c, group)
    listed = assert_ok(c.admin.get("/v1/load", query={"limit": 1000}))
    return any(job["featureGroupName"] == group for job in listed)


def _run_body(name=None):
    body = {"runId": uniq("run"), "timeTaken": 10, "count": 1, "status": "SUCCESS"}
    if name is not None:
        body["name"] = name
    return body


def _read(method, path):
    def run(c: Ctx):
        return c.serving.request(method, path, read_body(c.group(), ["label"], ["id"], [[1]]))
    return run


def _partition(method, path):
    def run(c: Ctx):
        body = {"featureGroupName": c.group(), "featureColumns": ["label"],
                "partitionKey": {"names": ["id"], "values": [1]}}
        return c.serving.request(method, path, body)
    return run


# A "use" route: one request about the cell's target; ok = 200, 403 = FORBIDDEN.
USE = {
    "entity.read": {
        "GET /v1/entity/{name}": lambda c: c.admin.get(f"/v1/entity/{q(c.entity())}"),
        "GET /entity/metadata": lambda c: c.admin.get("/entity/metadata", query={"name": c.entity()}),
        "GET /entity": lambda c: c.admin.get("/entity", query={"name": c.entity()}),
    },
    "group.read": {
        "GET /v1/feature-group/{name}": lambda c: c.admin.get(f"/v1/feature-group/{q(c.group())}"),
        "GET /feature-group/metadata": lambda c: c.admin.get("/feature-group/metadata", query={"name": c.group()}),
        "GET /feature-group": lambda c: c.admin.get("/feature-group", query={"name": c.group()}),
    },
    "group.schema": {
        "GET /v1/feature-group/{name}/schema": lambda c: c.admin.get(f"/v1/feature-group/{q(c.group())}/schema"),
        "GET /feature-group/schema": lambda c: c.admin.get("/feature-group/schema", query={"name": c.group()}),
        "serving GET /v1/feature-group/{name}/schema":
            lambda c: c.serving.get(f"/v1/feature-group/{q(c.group())}/schema"),
        "serving GET /feature-group/schema":
            lambda c: c.serving.get("/feature-group/schema", query={"name": c.group()}),
    },
    "group.versions": {
        "GET /v1/feature-group/{name}/versions":
            lambda c: c.admin.get(f"/v1/feature-group/{q(c.group())}/versions"),
        "GET /feature-group/version": lambda c: c.admin.get("/feature-group/version", query={"name": c.group()}),
    },
    "group.topic": {
        "GET /v1/feature-group/{name}/topic": lambda c: c.admin.get(f"/v1/feature-group/{q(c.group())}/topic"),
        "GET /feature-group/topic": lambda c: c.admin.get("/feature-group/topic", query={"name": c.group()}),
        "GET /feature-group/{name}/topic": lambda c: c.admin.get(f"/feature-group/{q(c.group())}/topic"),
    },
    "tenant.get": {
        "GET /v1/tenant": lambda c: c.admin.get("/v1/tenant", query={"name": c.group()}),
        "GET /feature-group/tenant":
            lambda c: c.admin.get("/feature-group/tenant", query={"feature-group-name": c.group(), "name": c.group()}),
    },
    "load.read": {"GET /v1/load/{id}": lambda c: c.admin.get(f"/v1/load/{_load_job(c, c.group())}")},
    "run.list": {
        "GET /v1/feature-group/{name}/runs": lambda c: c.admin.get(f"/v1/feature-group/{q(c.group())}/runs"),
        "GET /feature-group/run-data": lambda c: c.admin.get("/feature-group/run-data", query={"name": c.group()}),
    },
    "read": {
        "POST /v1/feature-group/read": _read("POST", "/v1/feature-group/read"),
        "GET /v1/feature-group/read": _read("GET", "/v1/feature-group/read"),
        "GET /feature-group/read-features": _read("GET", "/feature-group/read-features"),
        "POST /feature-group/read-features": _read("POST", "/feature-group/read-features"),
    },
    "partition-read": {
        "POST /v1/feature-group/partition/read": _partition("POST", "/v1/feature-group/partition/read"),
        "GET /v1/feature-group/partition/read": _partition("GET", "/v1/feature-group/partition/read"),
        "GET /feature-group/read-partition": _partition("GET", "/feature-group/read-partition"),
        "POST /feature-group/read-partition": _partition("POST", "/feature-group/read-partition"),
    },
}

# A "change" route: a metadata change (or a run record); a refused one must leave the world as it was.
def _consumer_tenant(c: Ctx) -> str:
    """The consume tenant a consumer-route cell names: in scope (a) or out of it (b)."""
    return c.world.ta if c.target == "in" else c.world.tb


def _consumer_register(c: Ctx):
    body = {"tenant_name": _consumer_tenant(c), "topic_name": uniq("sc_topic"), "num_partitions": 2}
    return lambda: c.admin.post("/consumer/register", body)


def _consumer_update(path, field, value):
    def prepare(c: Ctx):
        tenant_name = _consumer_tenant(c)
        c.world.register_consumer(tenant_name)
        return lambda: c.admin.put(path, {"tenantName": tenant_name, field: value()})
    return prepare


CHANGE = {
    "entity.create": {"POST /v1/entity": _create_entity("/v1/entity"), "POST /entity": _create_entity("/entity")},
    "entity.register": {"POST /entity/register": _create_entity("/entity/register")},
    "entity.state": {"PUT /v1/entity/{name}/state": _entity_state(True), "PUT /entity": _entity_state(False)},
    "group.create": {
        "POST /v1/feature-group": _create_group("/v1/feature-group"),
        "POST /feature-group": _create_group("/feature-group"),
    },
    "group.register": {"POST /feature-group/register": _create_group("/feature-group/register")},
    "group.upgrade": {"POST /v1/feature-group": _upgrade("/v1/feature-group"),
                      "POST /feature-group": _upgrade("/feature-group")},
    "group.state": {"PUT /v1/feature-group/{name}/state": _group_state(True), "PUT /feature-group": _group_state(False)},
    "group.ttl": {"PUT /v1/feature-group/{name}/ttl": _ttl(True), "PUT /feature-group/ttl": _ttl(False)},
    "tenant.set": {"POST /v1/tenant": _set_tenant(True), "POST /feature-group/tenant": _set_tenant(False)},
    "tenant.move": {"PUT /tenant/all": _move},
    "run.add": {"POST /v1/feature-group/{name}/runs": _add_run(True), "POST /feature-group/run-data": _add_run(False)},
    "load.create": {"POST /v1/load": _create_load},
    "consumer.change": {
        "POST /consumer/register": _consumer_register,
        "PUT /consumer/topic": _consumer_update("/consumer/topic", "topicName", lambda: uniq("sc_topic")),
        "PUT /consumer/count": _consumer_update("/consumer/count", "numConsumers", lambda: 2),
    },
}


# A "list" route answers whether the named side's object is in its (200) answer.
def _search_v1(c: Ctx, side):
    g, e = c.group(side), c.entity(side)
    groups = assert_ok(c.admin.get("/v1/search", query={"q": g, "kind": "feature-group"}))
    entities = assert_ok(c.admin.get("/v1/search", query={"q": e, "kind": "entity"}))
    assert mentions(groups, g) == mentions(entities, e), (groups, entities)
    return mentions(groups, g)


def _search_darwin(method, path, kind):
    def listed(c: Ctx, side):
        name = c.group(side) if kind == "group" else c.entity(side)
        return mentions(assert_ok(c.admin.request(method, path, {"searchPattern": name})), name)
    return listed


def _distinct(path, kind, what):
    def listed(c: Ctx, side):
        name = c.group(side) if kind == "group" else c.entity(side)
        value = f"{name}@example.com" if what == "owner" else f"{name}-tag"
        return mentions(assert_ok(c.admin.get(path)), value)
    return listed


def _catalog_v1(c: Ctx, side):
    g, e = c.group(side), c.entity(side)
    data = assert_ok(c.admin.get("/v1/catalog", query={"since": c.world.start_ms}))
    lists = [mentions(data.get("entities"), e), mentions(data.get("featureGroups"), g),
             mentions(data.get("versions"), g)]
    assert len(set(lists)) == 1, f"catalog lists disagree on {side}: {lists}"
    return lists[0]


def _dump(path, kind, updated):
    def listed(c: Ctx, side):
        name = c.group(side) if kind == "group" else c.entity(side)
        query = {"timestamp": c.world.start_ms} if updated else None
        return mentions(decode_dump(assert_ok(c.admin.get(path, query=query))), name)
    return listed


def _tenant_list(c: Ctx, side):
    c.group(side)
    name = c.world.ta if side == "in" else c.world.tb
    return mentions(assert_ok(c.admin.get("/tenant/list")), name)


def _tenant_groups(c: Ctx, side):
    g = c.group(side)  # both groups are written on tenant a
    r = _first_accepted(lambda t: c.admin.get("/tenant/feature-group/all",
                                              query={"tenant-name": c.world.ta, "tenant-type": t}),
                        ("WRITER", "write"))
    return mentions(assert_ok(r), g)


def _consumer_list(c: Ctx, side):
    tenant_name = c.world.ta if side == "in" else c.world.tb
    c.world.register_consumer(tenant_name)
    listed = assert_ok(c.admin.get("/consumer/metadata/all"))
    return any(t["tenantName"] == tenant_name for t in listed)


LIST = {
    "tenant.list": {"GET /tenant/list": _tenant_list},
    "load.list": {"GET /v1/load": _load_list},
    "consumer.list": {"GET /consumer/metadata/all": _consumer_list},
    "tenant.groups": {"GET /tenant/feature-group/all": _tenant_groups},
    "search": {
        "GET /v1/search": _search_v1,
        "GET /search/feature-groups": _search_darwin("GET", "/search/feature-groups", "group"),
        "POST /search/feature-groups": _search_darwin("POST", "/search/feature-groups", "group"),
        "GET /search/entities": _search_darwin("GET", "/search/entities", "entity"),
        "POST /search/entities": _search_darwin("POST", "/search/entities", "entity"),
    },
    "search.lists": {
        "GET /search/all-entity-owners": _distinct("/search/all-entity-owners", "entity", "owner"),
        "GET /search/all-entity-tags": _distinct("/search/all-entity-tags", "entity", "tag"),
        "GET /search/all-feature-group-owners": _distinct("/search/all-feature-group-owners", "group", "owner"),
        "GET /search/all-feature-group-tags": _distinct("/search/all-feature-group-tags", "group", "tag"),
    },
    "catalog": {
        "GET /v1/catalog": _catalog_v1,
        "GET /entity/all": _dump("/entity/all", "entity", False),
        "GET /entity/all-updated": _dump("/entity/all-updated", "entity", True),
        "GET /feature-group/all": _dump("/feature-group/all", "group", False),
        "GET /feature-group/all-updated": _dump("/feature-group/all-updated", "group", True),
        "GET /feature-group/version/all": _dump("/feature-group/version/all", "group", False),
        "GET /feature-group/version/all-updated": _dump("/feature-group/version/all-updated", "group", True),
    },
}


# A "batch" route sends a batch of the in-scope group and one of the cell's target, and answers
# (response, outcome of the in batch, outcome of the target batch) with outcomes "ok" or an error code.
def _multi_read(method, path):
    def run(c: Ctx):
        batches = [read_body(c.group("in"), ["label"], ["id"], [[1]]),
                   read_body(c.group(), ["label"], ["id"], [[1]])]
        r = c.serving.request(method, path, {"batches": batches})
        if r.status != 200:
            return r, None, None
        items = assert_ok(r)
        assert isinstance(items, list) and len(items) == 2, r.describe()

        def outcome(item):
            if "error" in item:
                text = str(item["error"]) + str(item.get("code", ""))
                return "FORBIDDEN" if ("FORBIDDEN" in text or "not allowed" in text) else text
            return "ok" if item.get("successfulKeys") else f"not found: {item}"
        return r, outcome(items[0]), outcome(items[1])
    return run


def _batch_write(path):
    def run(c: Ctx):
        batches = [write_body(c.group("in"), ["id", "label"], [[2, "in-batch"]]),
                   write_body(c.group(), ["id", "label"], [[2, "target-batch"]])]
        r = c.serving.post(path, {"batches": batches})
        if r.status != 200:
            return r, None, None
        data = assert_ok(r)
        failed = {f["batch"]["featureGroupName"]: f.get("code") for f in data["failedBatches"]}
        done = {b["featureGroupName"] for b in data["batches"]}
        assert len(done) + len(failed) == len(set(b["featureGroupName"] for b in batches)), r.describe()
        return r, ("ok" if c.group("in") in done else failed.get(c.group("in"))), \
            ("ok" if c.group() in done else failed.get(c.group()))
    return run


BATCH = {
    "multi-read": {
        "POST /v1/feature-group/multi-read": _multi_read("POST", "/v1/feature-group/multi-read"),
        "GET /v1/feature-group/multi-read": _multi_read("GET", "/v1/feature-group/multi-read"),
        "GET /feature-group/multi-read-features": _multi_read("GET", "/feature-group/multi-read-features"),
        "POST /feature-group/multi-read-features": _multi_read("POST", "/feature-group/multi-read-features"),
    },
    "batch-write": {
        "POST /v1/feature-group/batch-write": _batch_write("/v1/feature-group/batch-write"),
        "POST /feature-group/write-features-v1": _batch_write("/feature-group/write-features-v1"),
    },
}

LEGACY_WRITE = "/ofs/async-batch-write"
ASYNC_WRITE = "/v1/feature-group/write-async"


WRITE = {
    "write": {
        "POST /v1/feature-group/write": "/v1/feature-group/write",
        "POST /feature-group/write-features-v2": "/feature-group/write-features-v2",
    },
    "write-async": {"POST /v1/feature-group/write-async": ASYNC_WRITE},
    "legacy-write": {"POST /ofs/async-batch-write": LEGACY_WRITE},
}

KINDS = {"use": USE, "change": CHANGE, "list": LIST, "batch": BATCH, "write": WRITE}


def kind_of(op):
    return next(kind for kind, table in KINDS.items() if op in table)


def test_every_row_of_the_table_is_implemented_route_by_route():
    implemented = {op: set(routes) for table in KINDS.values() for op, routes in table.items()}
    documented = {row.op: set(row.routes) for row in ROWS}
    assert len(ROWS) == len(documented), "an operation appears twice in the table"
    assert documented == implemented, "docs/configuration.md's table and this module disagree"
    assert len(CELLS) == 9 * len(ROWS)


# ------------------------------------------------------------------------------------------------
# one test per cell (each runs every route of its row)
# ------------------------------------------------------------------------------------------------

def _check_use(c: Ctx, run, expected):
    r = run(c)
    if expected == "ok":
        data = assert_ok(r)
        if c.cell.row.op in ("read", "partition-read"):
            assert mentions(data, f"{c.group()}-row"), r.describe()
    else:
        assert_error(r, 403, "FORBIDDEN")


def _check_change(c: Ctx, prepare, expected):
    send = prepare(c)
    before = c.world.fingerprint()
    r = send()
    if expected == "ok":
        assert_ok(r)
    else:
        assert_error(r, 403, "FORBIDDEN")
        assert c.world.fingerprint() == before, "a refused change changed something"
    for kind, name in c.created:
        found = (c.world.root.entity_meta(name) if kind == "entity" else c.world.root.group_meta(name)).status
        assert found == (200 if expected == "ok" else 404), f"{kind} {name}: HTTP {found}"


def _check_list(c: Ctx, listed, expected):
    if expected == "ok":
        assert listed(c, c.target), f"{c.target} object missing from the answer"
    else:
        assert expected == "hidden", f"listings are never refused: {expected}"
        assert not listed(c, "out"), "an out-of-scope object is listed"
        assert listed(c, "in"), "the in-scope object is missing (the answer must only be filtered)"


def _check_batch(c: Ctx, run, expected):
    r, in_batch, target_batch = run(c)
    if expected == "403":
        assert_error(r, 403, "FORBIDDEN")
        return
    assert r.status == 200, r.describe()
    assert in_batch == "ok", r.describe()
    assert target_batch == ("ok" if expected == "ok" else "FORBIDDEN"), r.describe()
    if c.cell.row.op == "batch-write" and expected != "ok":
        read = found_map(assert_ok(c.world.root.read(c.group(), ["label"], ["id"], [[2]])))
        assert read == {}, f"the refused batch was written: {read}"


def _check_write(c: Ctx, path, expected):
    g = c.group()
    if path == LEGACY_WRITE:  # Darwin's consumer-fleet route: one v1 record, the group's latest version
        r = c.serving.post(path, {"Body": [{"EntityName": c.entity(), "Entities": ["id"], "FeatureGroup": g,
                                            "Features": {"id": 2, "label": "written"}}]})
    else:
        r = c.serving.post(path, write_body(g, ["id", "label"], [[2, "written"]]))
    stored = lambda: found_map(assert_ok(c.world.root.read(g, ["label"], ["id"], [[2]])))  # noqa: E731
    if expected == "ok":
        if path == LEGACY_WRITE:
            assert r.status == 200 and r.body["data"]["Successful_records"] == 1, r.describe()
        elif path == ASYNC_WRITE:  # 202 once queued; the in-process consumer applies it
            assert assert_ok(r, 202)["failedRows"] == [], r.describe()
            deadline = time.monotonic() + 10
            while stored() == {} and time.monotonic() < deadline:
                time.sleep(0.02)
        else:
            assert assert_ok(r)["failedRows"] == [], r.describe()
        assert stored() == {(2,): ["written"]}
    else:
        assert_error(r, 403, "FORBIDDEN")
        assert stored() == {}, "a refused write reached the read tenant"


CHECKS = {"use": _check_use, "change": _check_change, "list": _check_list, "batch": _check_batch,
          "write": _check_write}


def _cell_id(cell: Cell) -> str:
    return f"{cell.row.op}-{cell.role}-{cell.scope}"


def _check_cell(module_server, cell: Cell):
    kind = kind_of(cell.row.op)
    for route in cell.row.routes:
        ctx = Ctx(module_server, cell)
        try:
            CHECKS[kind](ctx, KINDS[kind][cell.row.op][route], cell.expected)
        except AssertionError as e:
            raise AssertionError(f"{route} as {cell.role} token ({cell.scope}): expected {cell.expected}\n{e}") from e


# A class per role: `make test` runs the suites with pytest-xdist's `--dist loadscope`, which hands out a
# module's functions together but each class on its own, so the three thirds of the table (the longest
# file on a fleet, where every cell creates Cassandra tables) run on three workers at once.
@pytest.mark.parametrize("cell", [c for c in CELLS if c.role == "admin"], ids=_cell_id)
class TestAdminTokenCells:
    def test_cell(self, module_server, cell: Cell):
        _check_cell(module_server, cell)


@pytest.mark.parametrize("cell", [c for c in CELLS if c.role == "writer"], ids=_cell_id)
class TestWriterTokenCells:
    def test_cell(self, module_server, cell: Cell):
        _check_cell(module_server, cell)


@pytest.mark.parametrize("cell", [c for c in CELLS if c.role == "reader"], ids=_cell_id)
class TestReaderTokenCells:
    def test_cell(self, module_server, cell: Cell):
        _check_cell(module_server, cell)


# ------------------------------------------------------------------------------------------------
# regressions of issue 15
# ------------------------------------------------------------------------------------------------

FACES = ("v1", "darwin")


def _as(server, token, face="v1"):
    return Ofs(server, face, token=token)


def _group_on(server, tenants: dict, entity=None) -> tuple[str, str]:
    root = _as(server, ROOT)
    entity = entity or uniq("rg_e")
    if root.entity_meta(entity).status == 404:
        assert_ok(root.create_entity(entity_body(entity)))
    name = uniq("rg_g")
    body = group_body(name, entity)
    body["tenant"] = tenants
    assert_ok(root.create_group(body))
    return entity, name


@pytest.mark.parametrize("face", FACES)
def test_failure2_scoped_admin_cannot_take_over_another_tenants_group(module_server, face):
    ent, gb = _group_on(module_server, tenant("tb", "tb", "tb"))
    assert_ok(_as(module_server, "tb-writer", face).write(gb, ["id", "label"], [[1, "tb-data"]]))
    ta_admin = _as(module_server, "ta-admin", face)
    takeover = group_body(gb, ent)
    takeover["tenant"] = tenant("ta", "ta", "ta")
    assert_error(ta_admin.create_group(takeover, upgrade=True), 403, "FORBIDDEN")
    # An upgrade that would inherit tenant b is refused as well, and so is a plain create of the name.
    assert_error(ta_admin.create_group(group_body(gb, ent), upgrade=True), 403, "FORBIDDEN")
    assert_error(ta_admin.create_group(takeover), 403, "FORBIDDEN")

    root = _as(module_server, ROOT, face)
    versions = assert_ok(_as(module_server, ROOT).versions(gb))
    assert versions["latestVersion"] == "v1", versions
    for reader in FACES:  # unversioned reads still go to tenant b's data
        d = assert_ok(_as(module_server, ROOT, reader).read(gb, ["label"], ["id"], [[1]]))
        assert found_map(d) == {(1,): ["tb-data"]}
    assert_error(_as(module_server, "ta-writer", face).write(gb, ["id", "label"], [[1, "ta-data"]]), 403,
                 "FORBIDDEN")
    assert_error(_as(module_server, "ta-reader", face).read(gb, ["label"], ["id"], [[1]]), 403, "FORBIDDEN")
    assert found_map(assert_ok(root.read(gb, ["label"], ["id"], [[1]]))) == {(1,): ["tb-data"]}


@pytest.mark.slow
@pytest.mark.parametrize("face", FACES)
def test_failure3_scoped_admin_cannot_change_ttl_of_a_shared_entity(module_server, face):
    ent, ga = _group_on(module_server, tenant("ta", "ta", "ta"))
    _, gb = _group_on(module_server, tenant("tb", "tb", "tb"), entity=ent)
    assert_error(_as(module_server, "ta-admin", face).set_ttl(ga, 1), 403, "FORBIDDEN")
    assert assert_ok(_as(module_server, ROOT).entity_meta(ent))["entity"]["ttl"] == 0
    # Tenant b's rows written now live on (a TTL of 1 s would have expired them).
    assert_ok(_as(module_server, "tb-writer", face).write(gb, ["id", "label"], [[7, "kept"]]))
    time.sleep(1.5)
    d = assert_ok(_as(module_server, ROOT).read(gb, ["label"], ["id"], [[7]]))
    assert found_map(d) == {(7,): ["kept"]}
    # The same token may change the TTL of an entity that only its tenant's groups use.
    ent_a, ga_only = _group_on(module_server, tenant("ta", "ta", "ta"))
    assert_ok(_as(module_server, "ta-admin", face).set_ttl(ga_only, 3600))


@pytest.mark.parametrize("face", FACES)
def test_failure5_scoped_writer_cannot_write_into_another_read_tenant(module_server, face):
    _, g = _group_on(module_server, tenant("tb", "ta", "ta"))  # written on a, read (and replicated) on b
    writer = _as(module_server, "ta-writer", face)
    assert_error(writer.write(g, ["id", "label"], [[1, "smuggled"]]), 403, "FORBIDDEN")
    assert_error(writer.write(g, ["id", "label"], [[1, "smuggled"]], headers={"replicate-write": "false"}), 403,
                 "FORBIDDEN")
    d = assert_ok(writer.batch_write([write_body(g, ["id", "label"], [[1, "smuggled"]])]))
    assert [f.get("code") for f in d["failedBatches"]] == ["FORBIDDEN"], d
    assert found_map(assert_ok(_as(module_server, ROOT).read(g, ["label"], ["id"], [[1]]))) == {}


@pytest.mark.parametrize("face", FACES)
def test_failure5_another_tenants_group_is_closed_to_scoped_tokens(module_server, face):
    ent, gb = _group_on(module_server, tenant("tb", "tb", "tb"))
    root = _as(module_server, ROOT, face)
    assert_ok(root.post_run(gb, _run_body()))
    for token in ("ta-reader", "ta-writer", "ta-admin"):
        ofs = _as(module_server, token, face)
        for what, r in {"runs": ofs.get_runs(gb), "metadata": ofs.group_meta(gb), "schema": ofs.schema(gb),
                        "serving schema": ofs.schema(gb, client=ofs.serving), "versions": ofs.versions(gb),
                        "topic": ofs.topic(gb), "entity": ofs.entity_meta(ent),
                        "tenant": ofs.admin.get("/v1/tenant", query={"name": gb})}.items():
            assert r.status == 403, f"{token} {what}: {r.describe()}"
        search = ofs.admin.get("/v1/search", query={"q": gb})
        assert not mentions(assert_ok(search), gb), search.describe()
        found = ofs.admin.get("/search/feature-groups", {"searchPattern": gb})
        assert not mentions(assert_ok(found), gb), found.describe()
        catalog = assert_ok(ofs.admin.get("/v1/catalog", query={"since": 0}))
        assert not mentions(catalog, gb) and not mentions(catalog, ent)
        for dump in ("/feature-group/all", "/feature-group/version/all", "/entity/all"):
            assert not mentions(decode_dump(assert_ok(ofs.admin.get(dump))), gb if "group" in dump else ent)
    assert_error(_as(module_server, "ta-writer", face).post_run(gb, _run_body()), 403, "FORBIDDEN")


def test_tenant_change_over_every_version_needs_every_version(module_server):
    """`POST /feature-group/tenant` applies to every version: a scoped admin needs all of them, whichever
    version the v1 path names; an explicit version is no way around the group's scope for readers either."""
    ent, g = _group_on(module_server, tenant("tb", "tb", "tb"))
    root = _as(module_server, ROOT)
    upgrade = group_body(g, ent)
    upgrade["tenant"] = tenant("ta", "ta", "ta")
    assert assert_ok(root.create_group(upgrade, upgrade=True))["version"] == "v2"
    ta_admin = _as(module_server, "ta-admin")
    all_ta = tenant("ta", "ta", "ta")
    assert_error(ta_admin.admin.post("/feature-group/tenant", {"featureGroupName": g, "tenantConfig": all_ta,
                                                               "name": g, "tenant": all_ta}), 403, "FORBIDDEN")
    assert_error(ta_admin.set_tenant(g, all_ta, version="v2"), 403, "FORBIDDEN")
    assert_error(ta_admin.set_group_state(g, "ARCHIVED", version="v2"), 403, "FORBIDDEN")
    assert_error(_as(module_server, "ta-reader").read(g, ["label"], ["id"], [[1]], version="v2"), 403, "FORBIDDEN")
    assert [v["tenant"]["read"] for v in assert_ok(root.versions(g))["versions"]] == ["tb", "ta"]


def test_tenant_move_refuses_groups_partly_out_of_scope(module_server):
    _, g = _group_on(module_server, tenant("tb", "ta", "ta"))
    r = _first_accepted(lambda t: _as(module_server, "ta-admin").admin.put(
        "/tenant/all", {"tenantType": t, "currentTenant": "ta", "newTenant": "ta"}), ("WRITER", "write"))
    assert_error(r, 403, "FORBIDDEN")
    assert assert_ok(_as(module_server, ROOT).group_meta(g))["tenant"]["write"] == "ta"
