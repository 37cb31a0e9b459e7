"""Error handling and robustness of the HTTP surface.

API.md sections covered: 1 (error envelope with message/cause/code on every non-200, malformed JSON, trailing
slash, body limit -> 413, gzip bodies count against the limit), 3 (validation errors of read, multi-read,
partition read, write, batch write; unknown group on the v1 paths vs the Darwin paths), 7 (INVALID_REQUEST,
*-REQUEST-EXCEPTION, FEATURE-GROUP-SCHEMA-VALIDATION-EXCEPTION, FEATURE-GROUP-NOT-FOUND-EXCEPTION,
FEATURE-GROUP-VERSION-NOT-FOUND-EXCEPTION, OFS-V2-ADMIN-SERVICE-EXCEPTION, PAYLOAD-TOO-LARGE; plus the
suite's routing decisions NOT-FOUND 404 and METHOD-NOT-ALLOWED 405). Also: slow clients, oversized headers,
garbage on the socket, HTTP/1.0, Expect: 100-continue.
"""

import gzip
import json
import socket
import threading
import time

import pytest

from e2e_support import (
    FACES, READ_FACES, Ofs, assert_error, assert_ok, entity_body, make_basic, make_entity, make_group,
    SERVING_PATHS, raw_request, read_body, read_http_response, status_of_raw, uniq, write_body, write_ok,
)

SCHEMA = "FEATURE-GROUP-SCHEMA-VALIDATION-EXCEPTION"
READ_REQ = "READ-FEATURE-GROUP-REQUEST-EXCEPTION"
WRITE_REQ = "WRITE-FEATURE-GROUP-REQUEST-EXCEPTION"
MULTI_REQ = "MULTI-READ-FEATURE-GROUP-REQUEST-EXCEPTION"
PART_REQ = "READ-FEATURE-GROUP-PARTITION-REQUEST-EXCEPTION"


@pytest.fixture(scope="module")
def basic(server):
    """A group on a composite-key entity: keys (id BIGINT, day INT), entity column region; group columns
    score DOUBLE, label TEXT."""
    ofs = Ofs(server, "v1")
    ent = make_entity(ofs, features=[("id", "BIGINT"), ("day", "INT"), ("region", "TEXT")], keys=["id", "day"])
    grp = make_group(ofs, ent, features=[("score", "DOUBLE"), ("label", "TEXT")])
    other = make_group(ofs, ent, features=[("foreign_col", "INT")])
    write_ok(ofs, grp, ["id", "day", "score", "label"], [[1, 1, 0.5, "a"]])
    return {"entity": ent, "group": grp, "other": other}


def _client(server, port_kind):
    return server.serving if port_kind == "serving" else server.admin


# ------------------------------------------------------------------------------------------------
# routing
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("port_kind", ["serving", "admin"])
@pytest.mark.parametrize("method,path", [
    ("GET", "/"), ("GET", "/nothing/here"), ("POST", "/v2/feature-group/read"), ("GET", "/v1/entityx"),
    ("POST", "/v1/feature-group/x/y/z/w"), ("GET", "/healthz"), ("PUT", "/v1/nope/nope/nope/nope"),
])
def test_unknown_route(server, port_kind, method, path):
    r = _client(server, port_kind).request(method, path, {} if method != "GET" else None)
    assert_error(r, 404, "NOT-FOUND")


@pytest.mark.parametrize("port_kind,method,path", [
    ("serving", "DELETE", "/v1/feature-group/write"),
    ("serving", "PATCH", "/v1/feature-group/read"),
    ("serving", "DELETE", "/feature-group/read-features"),
    ("serving", "PUT", "/feature-group/write-features-v2"),
    ("serving", "PUT", "/health"),
    ("admin", "DELETE", "/v1/entity"),
    ("admin", "PATCH", "/v1/feature-group"),
    ("admin", "DELETE", "/entity/register"),
    ("admin", "POST", "/health"),
    ("admin", "DELETE", "/metrics"),
])
def test_wrong_method(server, port_kind, method, path):
    r = _client(server, port_kind).request(method, path, {})
    assert_error(r, 405, "METHOD-NOT-ALLOWED")


@pytest.mark.parametrize("path", ["/health/", "/healthcheck/", "/metrics/"])
@pytest.mark.parametrize("port_kind", ["serving", "admin"])
def test_trailing_slash_on_ops_paths(server, port_kind, path):
    r = _client(server, port_kind).get(path)
    assert r.status == 200, r.describe()


def test_trailing_slash_on_api_paths(server, basic):
    grp, ent = basic["group"], basic["entity"]
    assert_ok(server.admin.get(f"/v1/entity/{ent}/"))
    assert_ok(server.admin.get(f"/v1/feature-group/{grp}/"))
    assert_ok(server.admin.get("/entity/metadata/", query={"name": ent}))
    assert_ok(server.admin.get("/feature-group/schema/", query={"name": grp}))
    body = read_body(grp, ["label"], ["id", "day"], [[1, 1]])
    d = assert_ok(server.serving.post("/v1/feature-group/read/", body))
    assert d["successfulKeys"][0]["features"] == ["a"]
    d = assert_ok(server.serving.get("/feature-group/read-features/", body))
    assert d["successfulKeys"][0]["features"] == ["a"]
    w = assert_ok(server.serving.post("/feature-group/write-features-v2/",
                                      write_body(grp, ["id", "day", "label"], [[2, 2, "slash"]])))
    assert w["failedRows"] == []
    name = uniq("ent_slash")
    assert_ok(server.admin.post("/v1/entity/", entity_body(name)))


# ------------------------------------------------------------------------------------------------
# malformed bodies
# ------------------------------------------------------------------------------------------------

BODY_ENDPOINTS = [
    ("serving", "POST", "/v1/feature-group/read"),
    ("serving", "POST", "/v1/feature-group/multi-read"),
    ("serving", "POST", "/v1/feature-group/partition/read"),
    ("serving", "POST", "/v1/feature-group/write"),
    ("serving", "POST", "/v1/feature-group/batch-write"),
    ("serving", "POST", "/v1/feature-group/write-async"),
    ("serving", "GET", "/feature-group/read-features"),
    ("serving", "POST", "/feature-group/multi-read-features"),
    ("serving", "GET", "/feature-group/read-partition"),
    ("serving", "POST", "/feature-group/write-features-v2"),
    ("serving", "POST", "/feature-group/write-features-v1"),
    ("admin", "POST", "/v1/entity"),
    ("admin", "POST", "/entity"),
    ("admin", "POST", "/entity/register"),
    ("admin", "POST", "/v1/feature-group"),
    ("admin", "POST", "/feature-group"),
    ("admin", "POST", "/feature-group/register"),
    ("admin", "POST", "/v1/tenant"),
    ("admin", "POST", "/feature-group/tenant"),
    ("admin", "PUT", "/tenant/all"),
    ("admin", "PUT", "/feature-group/ttl"),
]

MALFORMED = ['{"featureGroupName": ', "{bad json}", "[1, 2", "not json at all", '{"a": 1} trailing',
             '{"a": 1,}', "{'single': 'quotes'}", '{"a": 1}{"b": 2}', '{"a": 1} [2]']


@pytest.mark.parametrize("port_kind,method,path", BODY_ENDPOINTS, ids=[f"{m} {p}" for _, m, p in BODY_ENDPOINTS])
def test_malformed_json(server, port_kind, method, path):
    client = _client(server, port_kind)
    wrong = []
    for body in MALFORMED:
        r = client.request(method, path, body)
        assert_error(r, 400)  # always a full error envelope
        if r.body["error"]["code"] != "INVALID_REQUEST":
            wrong.append(f"{body!r} -> {r.body['error']['code']}")
    assert not wrong, "malformed JSON must answer 400 INVALID_REQUEST; got: " + "; ".join(wrong)


@pytest.mark.parametrize("trailing", ['{"featureGroupName": "x"}', " xyz", " 5", "]"])
@pytest.mark.parametrize("face", FACES)
def test_a_second_document_after_the_body_is_refused_and_nothing_written(server, basic, face, trailing):
    """One JSON document per body: `{write}{...}` used to write and answer 200; `{...}xyz` was refused as
    an object 'ended early'."""
    key = 7001 + len(trailing) + (100 if face == "darwin" else 0)
    first = json.dumps(write_body(basic["group"], ["id", "day", "label"], [[key, 1, "trailing"]]))
    method, path = SERVING_PATHS[face]["write"]
    r = server.serving.request(method, path, first + trailing)
    assert_error(r, 400, codes={"INVALID_REQUEST"})
    assert "trailing content after the JSON document" in r.body["error"]["cause"], r.describe()
    read = Ofs(server, "v1").read(basic["group"], ["label"], ["id", "day"], [[key, 1]])
    assert read.body["data"]["successfulKeys"] == [], "nothing of a refused body may be written"


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "-NaN", "01", "+1"])
def test_non_json_numbers_fail_the_request_whatever_the_sign(server, basic, token):
    """NaN and Infinity are not JSON: every sign fails the request (400 INVALID_REQUEST) the same way.
    Bare NaN/Infinity used to fail the request while -Infinity reached the codec and failed its row."""
    body = ('{"featureGroupName": "%s", "features": {"names": ["id", "day", "score"], "values": [[7100, 1, %s]]}}'
            % (basic["group"], token))
    r = server.serving.post("/v1/feature-group/write", body)
    assert_error(r, 400, codes={"INVALID_REQUEST"})
    assert token in r.body["error"]["message"], r.describe()
    read = ('{"featureGroupName": "%s", "featureColumns": ["score"], "primaryKeys": {"names": ["id", "day"], '
            '"values": [[%s, 1]]}}' % (basic["group"], token))
    assert_error(server.serving.post("/v1/feature-group/read", read), 400, codes={"INVALID_REQUEST"})


def test_numbers_out_of_range_and_numeric_strings_fail_only_their_row(server, basic):
    body = ('{"featureGroupName": "%s", "features": {"names": ["id", "day", "score"], '
            '"values": [[7200, 1, 1e999], [7201, 1, "NaN"], [7202, 1, "-Infinity"], [7203, 1, 0.25]]}}'
            % basic["group"])
    r = server.serving.post("/v1/feature-group/write", body)
    assert r.status == 200, r.describe()
    assert len(r.body["data"]["failedRows"]) == 3 and len(r.body["data"]["successfulRows"]) == 1, r.describe()


@pytest.mark.parametrize("port_kind,method,path", BODY_ENDPOINTS, ids=[f"{m} {p}" for _, m, p in BODY_ENDPOINTS])
def test_json_that_is_not_an_object(server, port_kind, method, path):
    client = _client(server, port_kind)
    for body in ("[]", '"text"', "42", "null", "true"):
        r = client.request(method, path, body)
        assert_error(r, 400)


@pytest.mark.parametrize("path", ["/v1/feature-group/write", "/v1/feature-group/read"])
def test_empty_body(server, path):
    r = server.serving.post(path, b"")
    assert_error(r, 400, codes={"INVALID_REQUEST", WRITE_REQ, READ_REQ})


def test_invalid_utf8(server, basic):
    payload = (b'{"featureGroupName": "' + basic["group"].encode() +
               b'", "features": {"names": ["id", "day", "label"], "values": [[5, 5, "\xff\xfe bad"]]}}')
    r = server.serving.post("/v1/feature-group/write", payload)
    if r.status == 200:
        assert r.body["data"]["failedRows"], r.describe()  # the bad row failed, nothing stored
    else:
        assert_error(r, 400, codes={"INVALID_REQUEST", WRITE_REQ})


@pytest.mark.parametrize("depth", [100, 100_000])
def test_deeply_nested_json(server, depth):
    payload = "[" * depth + "]" * depth
    body = '{"featureGroupName": "x", "features": ' + payload + "}"
    r = server.serving.post("/v1/feature-group/write", body)
    assert_error(r, (400, 404, 413))
    assert server.serving.get("/health").status == 200


def test_huge_number_literal(server, basic):
    body = ('{"featureGroupName": "%s", "features": {"names": ["id", "day", "score"], "values": [[%s, 1, 1.0]]}}'
            % (basic["group"], "9" * 5000))
    r = server.serving.post("/v1/feature-group/write", body)
    if r.status == 200:
        assert r.body["data"]["failedRows"], r.describe()
    else:
        assert_error(r, 400)


# ------------------------------------------------------------------------------------------------
# request validation: missing fields, wrong types
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("face", READ_FACES)
@pytest.mark.parametrize("mutate", ["no_name", "no_columns", "no_keys", "no_key_names", "no_key_values"])
def test_read_missing_fields(server, basic, face, mutate):
    body = read_body(basic["group"], ["label"], ["id", "day"], [[1, 1]])
    if mutate == "no_name":
        del body["featureGroupName"]
    elif mutate == "no_columns":
        del body["featureColumns"]
    elif mutate == "no_keys":
        del body["primaryKeys"]
    elif mutate == "no_key_names":
        del body["primaryKeys"]["names"]
    elif mutate == "no_key_values":
        del body["primaryKeys"]["values"]
    assert_error(Ofs(server, face).read_raw(body), 400, READ_REQ)


@pytest.mark.parametrize("face", FACES)
@pytest.mark.parametrize("mutate", ["no_name", "no_features", "no_names", "no_values"])
def test_write_missing_fields(server, basic, face, mutate):
    body = write_body(basic["group"], ["id", "day", "label"], [[1, 1, "x"]])
    if mutate == "no_name":
        del body["featureGroupName"]
    elif mutate == "no_features":
        del body["features"]
    elif mutate == "no_names":
        del body["features"]["names"]
    elif mutate == "no_values":
        del body["features"]["values"]
    assert_error(Ofs(server, face).write_raw(body), 400, WRITE_REQ)


@pytest.mark.parametrize("face", READ_FACES)
def test_multi_read_missing_batches(server, face):
    assert_error(Ofs(server, face).multi_read_raw({}), 400, MULTI_REQ)
    assert_error(Ofs(server, face).multi_read_raw({"batches": "all"}), 400, codes={MULTI_REQ, "INVALID_REQUEST"})


@pytest.mark.parametrize("mutate", [
    ("features", "x"), ("features", {"names": "id", "values": [[1]]}), ("features", {"names": ["id"], "values": 5}),
    ("featureGroupName", 42), ("featureGroupName", ["a"]),
])
def test_write_wrong_json_types(server, basic, mutate):
    key, value = mutate
    body = write_body(basic["group"], ["id", "day", "label"], [[1, 1, "x"]])
    body[key] = value
    r = Ofs(server, "v1").write_raw(body)
    assert_error(r, 400, codes={WRITE_REQ, "INVALID_REQUEST", SCHEMA})


@pytest.mark.parametrize("mutate", [
    ("featureColumns", "label"), ("featureColumns", [1, 2]), ("primaryKeys", [1]),
    ("primaryKeys", {"names": ["id", "day"], "values": [1, 1]}), ("featureGroupName", 7),
])
def test_read_wrong_json_types(server, basic, mutate):
    key, value = mutate
    body = read_body(basic["group"], ["label"], ["id", "day"], [[1, 1]])
    body[key] = value
    r = Ofs(server, "v1").read_raw(body)
    assert_error(r, 400, codes={READ_REQ, "INVALID_REQUEST", SCHEMA})


def test_rows_that_are_not_arrays(server, basic):
    body = write_body(basic["group"], ["id", "day", "label"], [])
    body["features"]["values"] = [{"id": 1, "day": 1, "label": "x"}]
    r = Ofs(server, "v1").write_raw(body)
    assert_error(r, 400, codes={WRITE_REQ, "INVALID_REQUEST", SCHEMA})


# ------------------------------------------------------------------------------------------------
# schema validation
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("face", READ_FACES)
@pytest.mark.parametrize("case", [
    "unknown_column", "other_groups_column", "duplicate_column", "duplicate_column_case", "key_names_not_keys",
    "missing_key_part", "duplicate_key_names", "short_row", "long_row", "ragged_rows",
])
def test_read_schema_validation(server, basic, face, case):
    grp = basic["group"]
    cols, names, rows = ["label"], ["id", "day"], [[1, 1]]
    if case == "unknown_column":
        cols = ["label", "nope"]
    elif case == "other_groups_column":
        cols = ["foreign_col"]
    elif case == "duplicate_column":
        cols = ["label", "label"]
    elif case == "duplicate_column_case":
        cols = ["label", "LABEL"]
    elif case == "key_names_not_keys":
        names = ["id", "region"]
    elif case == "missing_key_part":
        names, rows = ["id"], [[1]]
    elif case == "duplicate_key_names":
        names, rows = ["id", "day", "id"], [[1, 1, 1]]
    elif case == "short_row":
        rows = [[1]]
    elif case == "long_row":
        rows = [[1, 1, 1]]
    elif case == "ragged_rows":
        rows = [[1, 1], [2]]
    r = Ofs(server, face).read(grp, cols, names, rows)
    assert_error(r, 400, SCHEMA)


_refused_keys = iter(range(700_000, 10_000_000))


@pytest.mark.parametrize("face", FACES)
@pytest.mark.parametrize("case", [
    "unknown_name", "other_groups_column", "duplicate_name", "duplicate_name_case", "missing_key_column",
    "short_row", "long_row", "ragged_rows", "physical_name",
])
def test_write_schema_validation(server, basic, face, case):
    grp = basic["group"]
    k = next(_refused_keys)
    names, rows = ["id", "day", "label"], [[k, 1, "refused"]]
    if case == "unknown_name":
        names, rows = ["id", "day", "label", "nope"], [[k, 1, "refused", 1]]
    elif case == "other_groups_column":
        names, rows = ["id", "day", "label", "foreign_col"], [[k, 1, "refused", 1]]
    elif case == "duplicate_name":
        names, rows = ["id", "day", "label", "label"], [[k, 1, "refused", "b"]]
    elif case == "duplicate_name_case":
        names, rows = ["id", "day", "label", "Label"], [[k, 1, "refused", "b"]]
    elif case == "missing_key_column":
        names, rows = ["id", "label"], [[k, "refused"]]
    elif case == "short_row":
        rows = [[k, 1]]
    elif case == "long_row":
        rows = [[k, 1, "refused", "extra"]]
    elif case == "ragged_rows":
        rows = [[k, 1, "refused"], [k + 1, 1]]
    elif case == "physical_name":
        names, rows = ["id", "day", "label", f"{grp}__v1__label"], [[k, 1, "refused", "x"]]
    r = Ofs(server, face).write(grp, names, rows)
    assert_error(r, 400, SCHEMA)
    # a refused request stores nothing, not even its well-formed rows
    d = assert_ok(Ofs(server, "v1").read(grp, ["label"], ["id", "day"], [[k, 1]]))
    assert d["successfulKeys"] == [], d


# ------------------------------------------------------------------------------------------------
# unknown group / version
# ------------------------------------------------------------------------------------------------

def _unknown_calls(ofs, name, version=None):
    return {
        "read": lambda: ofs.read(name, ["x"], ["id"], [[1]], version=version),
        "partition": lambda: ofs.partition(name, ["x"], ["id"], [1], version=version),
        "write": lambda: ofs.write(name, ["id", "x"], [[1, 1]], version=version),
    }


@pytest.mark.parametrize("op", ["read", "partition", "write"])
def test_unknown_group_v1_is_404(server, op):
    r = _unknown_calls(Ofs(server, "v1"), uniq("no_group"))[op]()
    assert_error(r, 404, "FEATURE-GROUP-NOT-FOUND-EXCEPTION")


@pytest.mark.parametrize("face", ["darwin", "darwin-post"])
@pytest.mark.parametrize("op", ["read", "partition", "write"])
def test_unknown_group_darwin_is_admin_service_exception(server, face, op):
    r = _unknown_calls(Ofs(server, face), uniq("no_group"))[op]()
    assert_error(r, 400, "OFS-V2-ADMIN-SERVICE-EXCEPTION", message="feature group not found")


@pytest.mark.parametrize("op", ["read", "partition", "write"])
def test_unknown_version_v1_is_404(server, basic, op):
    calls = {
        "read": lambda o: o.read(basic["group"], ["label"], ["id", "day"], [[1, 1]], version="v42"),
        "partition": lambda o: o.partition(basic["group"], ["label"], ["id"], [1], version="v42"),
        "write": lambda o: o.write(basic["group"], ["id", "day", "label"], [[1, 1, "x"]], version="v42"),
    }
    assert_error(calls[op](Ofs(server, "v1")), 404, "FEATURE-GROUP-VERSION-NOT-FOUND-EXCEPTION")
    assert_error(calls[op](Ofs(server, "darwin")), (400, 404))


@pytest.mark.parametrize("version", ["banana", "v0", "v-1", "2"])
def test_malformed_version(server, basic, version):
    r = Ofs(server, "v1").read(basic["group"], ["label"], ["id", "day"], [[1, 1]], version=version)
    if version == "2" and r.status == 200:
        return
    assert_error(r, (400, 404), codes={"FEATURE-GROUP-VERSION-NOT-FOUND-EXCEPTION", READ_REQ, "INVALID_REQUEST"})


def test_unknown_group_in_admin_paths(server):
    name = uniq("no_group")
    for ofs in (Ofs(server, "v1"), Ofs(server, "darwin")):
        assert_error(ofs.group_meta(name), 404, "FEATURE-GROUP-NOT-FOUND-EXCEPTION")
        assert_error(ofs.schema(name), 404, "FEATURE-GROUP-NOT-FOUND-EXCEPTION")
    r = Ofs(server, "darwin").schema(name, client=server.serving)
    assert_error(r, (400, 404), codes={"FEATURE-GROUP-NOT-FOUND-EXCEPTION", "OFS-V2-ADMIN-SERVICE-EXCEPTION"})


# ------------------------------------------------------------------------------------------------
# body size limit (dedicated server with --max-body-bytes 1024)
# ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small_body_server(ofs_launcher):
    srv = ofs_launcher.start(["--max-body-bytes", "1024"], name="small_body")
    ofs = Ofs(srv, "v1")
    ent, grp = make_basic(ofs)
    yield srv, grp
    problems = ofs_launcher.stop(srv)
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def test_body_over_limit_is_413(small_body_server):
    srv, grp = small_body_server
    rows = [[i, "x" * 40] for i in range(60)]
    body = write_body(grp, ["id", "label"], rows)
    assert len(json.dumps(body)) > 2048
    r = srv.serving.post("/v1/feature-group/write", body)
    assert_error(r, 413, "PAYLOAD-TOO-LARGE")
    r = srv.admin.post("/v1/entity", entity_body(uniq("e"), description="d" * 3000))
    assert_error(r, 413, "PAYLOAD-TOO-LARGE")
    assert srv.serving.get("/health").status == 200


def test_body_under_limit_ok(small_body_server):
    srv, grp = small_body_server
    ofs = Ofs(srv, "v1")
    write_ok(ofs, grp, ["id", "label"], [[1, "small"]])
    assert ofs.read(grp, ["label"], ["id"], [[1]]).body["data"]["successfulKeys"][0]["features"] == ["small"]


def test_gzip_body_inflating_over_limit_is_413(small_body_server):
    srv, grp = small_body_server
    body = write_body(grp, ["id", "label"], [[1, " " * 200_000]])
    raw = json.dumps(body).encode()
    assert len(gzip.compress(raw)) < 1024
    r = srv.serving.post("/v1/feature-group/write", raw, gzip_body=True)
    assert_error(r, 413, "PAYLOAD-TOO-LARGE")
    assert srv.serving.get("/health").status == 200


def test_declared_content_length_over_limit_answered_early(small_body_server):
    """A huge Content-Length is refused from the headers: the server does not wait for the body."""
    srv, _ = small_body_server
    head = (b"POST /v1/feature-group/write HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            b"Content-Length: 50000000\r\n\r\n{")
    t0 = time.monotonic()
    data = raw_request(srv.serving_port, head, timeout=3)
    assert status_of_raw(data) == 413, data[:500]
    assert time.monotonic() - t0 < 2.5
    assert b"PAYLOAD-TOO-LARGE" in data


# ------------------------------------------------------------------------------------------------
# hostile or odd HTTP
# ------------------------------------------------------------------------------------------------

def test_oversized_header(server):
    req = b"GET /health HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n"
    try:
        data = raw_request(server.serving_port, req, timeout=5)
    except (ConnectionResetError, BrokenPipeError):
        data = b""
    status = status_of_raw(data)
    assert status in (None, 400, 413, 431), data[:300]
    assert server.serving.get("/health").status == 200


@pytest.mark.parametrize("payload,may_succeed", [
    (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64, False),
    (b"NOT HTTP AT ALL\r\n\r\n", False),
    (b"GET /health HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n", False),
    (b"POST /v1/feature-group/write HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n{}",
     False),
    (b"GET /health HTTP/9.9\r\n\r\n", True),  # 505 is nicest, but answering is harmless
], ids=["tls_hello", "not_http", "bad_content_length", "two_content_lengths", "http_9_9"])
def test_garbage_on_the_socket(server, payload, may_succeed):
    try:
        data = raw_request(server.serving_port, payload, timeout=3)
    except (ConnectionResetError, BrokenPipeError):
        data = b""
    status = status_of_raw(data)
    if not may_succeed:
        assert status is None or 400 <= status < 600, data[:300]
    assert server.serving.get("/health").status == 200
    assert server.admin.get("/health").status == 200


def test_http_1_0_request(server):
    data = raw_request(server.serving_port, b"GET /health HTTP/1.0\r\n\r\n", timeout=5)
    assert status_of_raw(data) == 200, data[:300]
    assert b"UP" in data


def test_expect_100_continue(server, basic):
    payload = json.dumps(read_body(basic["group"], ["label"], ["id", "day"], [[1, 1]])).encode()
    with socket.create_connection(("127.0.0.1", server.serving_port), timeout=5) as s:
        s.sendall(b"POST /v1/feature-group/read HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                  b"Expect: 100-continue\r\nContent-Length: " + str(len(payload)).encode() + b"\r\n\r\n")
        s.settimeout(1.0)
        interim = b""
        try:
            interim = s.recv(4096)
        except socket.timeout:
            pass
        if interim:
            assert interim.startswith(b"HTTP/1.1 100"), interim[:200]
        s.settimeout(5)
        s.sendall(payload)
        data = read_http_response(s, timeout=5)
    assert status_of_raw(data) == 200, data[:500]
    assert b'"successfulKeys"' in data


# ------------------------------------------------------------------------------------------------
# slow clients (dedicated server with --request-timeout-ms 500)
# ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def timeout_server(ofs_launcher):
    srv = ofs_launcher.start(["--request-timeout-ms", "500"], name="timeouts")
    yield srv
    problems = ofs_launcher.stop(srv)
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def _wait_closed(sock, timeout):
    """Reads until EOF. -> (closed, data, seconds)."""
    t0 = time.monotonic()
    sock.settimeout(0.2)
    data = b""
    while time.monotonic() - t0 < timeout:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return True, data, time.monotonic() - t0
        if not chunk:
            return True, data, time.monotonic() - t0
        data += chunk
    return False, data, time.monotonic() - t0


def _assert_timed_out(closed, data, took):
    assert closed, f"slow connection still open after {took:.1f}s (request timeout is 0.5 s)"
    if data:
        status = status_of_raw(data)
        assert status is not None and 400 <= status < 500, data[:300]


def _fast_health(srv, limit=1.0):
    t0 = time.monotonic()
    r = srv.serving.get("/health", timeout=5)
    took = time.monotonic() - t0
    assert r.status == 200 and took < limit, f"health took {took:.2f}s while slow clients are connected"


@pytest.mark.slow
def test_slow_body_does_not_block_others_and_is_closed(timeout_server):
    srv = timeout_server
    s = socket.create_connection(("127.0.0.1", srv.serving_port), timeout=5)
    try:
        s.sendall(b"POST /v1/feature-group/write HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 200\r\n\r\n{\"featureGroupName\": ")
        _fast_health(srv)
        _assert_timed_out(*_wait_closed(s, 4.0))
    finally:
        s.close()


@pytest.mark.slow
def test_partial_headers_closed(timeout_server):
    srv = timeout_server
    s = socket.create_connection(("127.0.0.1", srv.serving_port), timeout=5)
    try:
        s.sendall(b"GET /health HTTP/1.1\r\nHost: t\r\nX-Slow: ")
        _fast_health(srv)
        _assert_timed_out(*_wait_closed(s, 4.0))
    finally:
        s.close()


@pytest.mark.slow
def test_trickling_client_cut_off(timeout_server):
    """One byte every 100 ms never completes a request within 500 ms of its first byte."""
    srv = timeout_server
    req = b"GET /health HTTP/1.1\r\nHost: t\r\nX-Pad: " + b"p" * 200 + b"\r\n\r\n"
    s = socket.create_connection(("127.0.0.1", srv.serving_port), timeout=5)
    t0 = time.monotonic()
    closed, got = False, b""
    try:
        s.settimeout(0.1)
        for b in req:
            try:
                s.sendall(bytes([b]))
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            try:
                chunk = s.recv(4096)
                if not chunk:
                    closed = True
                    break
                got += chunk
            except socket.timeout:
                pass
            if time.monotonic() - t0 > 4:
                break
        if not closed:
            closed, more, _ = _wait_closed(s, 1.0)
            got += more
    finally:
        s.close()
    assert closed, "a trickling client kept its connection for more than 4 s"
    assert time.monotonic() - t0 < 6
    if got:
        assert status_of_raw(got) is not None and 400 <= status_of_raw(got) < 500, got[:300]


@pytest.mark.slow
def test_many_slow_clients(timeout_server):
    srv = timeout_server
    socks = []
    try:
        for _ in range(50):
            s = socket.create_connection(("127.0.0.1", srv.serving_port), timeout=5)
            s.sendall(b"POST /v1/feature-group/read HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n{")
            socks.append(s)
        errors = []

        def hammer():
            try:
                for _ in range(10):
                    _fast_health(srv, limit=2.0)
            except AssertionError as e:  # pragma: no cover - reported below
                errors.append(str(e))

        threads = [threading.Thread(target=hammer) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert not errors, errors
        results = [_wait_closed(s, 4.0) for s in socks]
        assert all(closed for closed, _, _ in results), "some slow connections were never closed"
    finally:
        for s in socks:
            s.close()
    _fast_health(srv)


def test_normal_requests_unaffected_by_short_timeout(timeout_server):
    ofs = Ofs(timeout_server, "v1")
    ent, grp = make_basic(ofs)
    write_ok(ofs, grp, ["id", "label"], [[i, f"v{i}"] for i in range(500)])
    d = assert_ok(ofs.read(grp, ["label"], ["id"], [[i] for i in range(500)]))
    assert len(d["successfulKeys"]) == 500


def test_error_answers_are_json(server):
    r = server.serving.get("/no/such/route")
    assert "json" in r.headers.get("content-type", ""), r.headers
    assert isinstance(r.body, dict)
