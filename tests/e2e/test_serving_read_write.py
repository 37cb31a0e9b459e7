"""Serving API: writes, point reads, multi-reads, batch and async writes, versions, states, TTL,
transport features (gzip both ways, keep-alive, pipelining, headers).

API.md sections covered: 1 (GET with a body and the same body on POST, versions "null = latest", headers
`replicate-write` / `feature-store-type`, gzip request and response), 2 (upsert semantics, physical naming
per version, ARCHIVED groups, TTL and PUT .../ttl), 3 (read, multi-read, write, batch write, async write on
the v1 and the Darwin paths), 5 (last-write-wins, columns not written keep their value).
"""

import gzip
import json
import time

import pytest

from e2e_support import (
    FACES, READ_FACES, Ofs, assert_error, assert_ok, entity_body, found_map, group_body, make_basic,
    make_entity, make_group, raw_exchange, read_body, read_data, read_one, wait_until, write_body, write_ok,
    uniq,
)

STATE = "FEATURE-GROUP-STATE-EXCEPTION"
BASIC = ["id", "region", "score", "label", "cnt"]


def _sorted_rows(rows):
    return sorted(rows, key=lambda r: json.dumps(r))


# ------------------------------------------------------------------------------------------------
# walkthrough on each face
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("face", FACES)
def test_walkthrough(server, face):
    """Create entity -> group -> write -> read -> partition read -> multi-read -> batch write."""
    ofs = Ofs(server, face)
    ent = uniq("wt_user")
    assert_ok(ofs.create_entity(entity_body(ent, [("user_id", "TEXT"), ("day", "INT"), ("country", "TEXT")],
                                            ["user_id", "day"])))
    grp = uniq("wt_fg")
    created = assert_ok(ofs.create_group(group_body(grp, ent, [("spend", "DOUBLE"), ("games", "INT")])))
    assert created["version"] == "v1"

    names = ["user_id", "day", "country", "spend", "games"]
    rows = [["u1", 1, "IN", 10.5, 3], ["u1", 2, "IN", 20.0, 4], ["u2", 1, "US", 7.25, 1]]
    w = assert_ok(ofs.write(grp, names, rows))
    assert w["featureGroupName"] == grp
    assert w["featureGroupVersion"] == "v1"
    assert w["featureColumns"] == names
    assert len(w["successfulRows"]) == 3
    assert w["failedRows"] == []

    r = assert_ok(ofs.read(grp, ["spend", "country", "games"], ["user_id", "day"], [["u1", 2], ["u2", 1], ["u3", 1]]))
    assert r["featureGroupName"] == grp
    assert r["featureGroupVersion"] == "v1"
    found = found_map(r)
    assert found == {("u1", 2): [20.0, "IN", 4], ("u2", 1): [7.25, "US", 1]}
    assert r["failedKeys"] == [["u3", 1]]

    p = assert_ok(ofs.partition(grp, ["day", "spend"], ["user_id"], ["u1"]))
    assert p["featureGroupName"] == grp
    assert p["featureGroupVersion"] == "v1"
    assert p["features"] == [[1, 10.5], [2, 20.0]]

    m = assert_ok(ofs.multi_read([read_body(grp, ["games"], ["user_id", "day"], [["u1", 1]]),
                                  read_body(grp, ["spend"], ["user_id", "day"], [["u2", 1], ["zz", 9]])]))
    assert isinstance(m, list) and len(m) == 2
    assert found_map(m[0]) == {("u1", 1): [3]}
    assert found_map(m[1]) == {("u2", 1): [7.25]}
    assert m[1]["failedKeys"] == [["zz", 9]]

    bw = assert_ok(ofs.batch_write([write_body(grp, ["user_id", "day", "games"], [["u3", 1, 9]]),
                                    write_body(grp, ["user_id", "day", "spend"], [["u1", 1, 11.5]])]))
    assert bw.get("failedBatches", []) == []
    assert len(bw["batches"]) == 2
    assert all(len(b["successfulRows"]) == 1 for b in bw["batches"])
    r = assert_ok(ofs.read(grp, ["spend", "games"], ["user_id", "day"], [["u3", 1], ["u1", 1]]))
    assert found_map(r) == {("u3", 1): [None, 9], ("u1", 1): [11.5, 3]}


def test_faces_share_data(server):
    """A row written through one face is read identically through every face."""
    v1, dw, dwp = (Ofs(server, f) for f in READ_FACES)
    ent, grp = make_basic(v1)
    write_ok(v1, grp, BASIC, [[1, "eu", 0.5, "a", 1]])
    write_ok(dw, grp, ["id", "score"], [[2, 1.5]])
    answers = [assert_ok(o.read(grp, ["score", "label"], ["id"], [[1], [2], [3]])) for o in (v1, dw, dwp)]
    assert answers[0] == answers[1] == answers[2]
    assert found_map(answers[0]) == {(1,): [0.5, "a"], (2,): [1.5, None]}


# ------------------------------------------------------------------------------------------------
# write semantics
# ------------------------------------------------------------------------------------------------

def test_write_response_shape(ofs: Ofs):
    ent, grp = make_basic(ofs)
    names = ["score", "id", "label"]  # any column order, key not first
    w = assert_ok(ofs.write(grp, names, [[0.1, 10, "x"], [0.2, 11, "y"]], run_id=uniq("run")))
    assert w["featureGroupName"] == grp
    assert w["featureGroupVersion"] == "v1"
    assert w["featureColumns"] == names
    assert len(w["successfulRows"]) == 2
    assert w["failedRows"] == []
    r = read_data(ofs, grp, ["label", "score"], ["id"], [[10], [11]])
    assert found_map(r) == {(10,): ["x", 0.1], (11,): ["y", 0.2]}


def test_upsert_keeps_unwritten_columns(ofs: Ofs):
    ent, grp = make_basic(ofs)
    write_ok(ofs, grp, BASIC, [[1, "eu", 1.0, "first", 10]])
    write_ok(ofs, grp, ["id", "cnt"], [[1, 11]])
    write_ok(ofs, grp, ["id", "label"], [[1, "second"]])
    assert read_one(ofs, grp, ["region", "score", "label", "cnt"], ["id"], [1]) == ["eu", 1.0, "second", 11]


def test_last_write_wins(ofs: Ofs):
    ent, grp = make_basic(ofs)
    for i in range(10):
        write_ok(ofs, grp, ["id", "cnt"], [[5, i]])
    assert read_one(ofs, grp, ["cnt"], ["id"], [5]) == [9]


def test_client_write_time_orders_writes(ofs: Ofs):
    """`ofs-write-time` (microseconds): a replayed write at an older time does not overwrite a newer value;
    one too far ahead of the server's clock, or malformed, is refused as a whole."""
    ent, grp = make_basic(ofs)
    now_us = time.time_ns() // 1000
    write_ok(ofs, grp, ["id", "cnt"], [[7, 1]], headers={"ofs-write-time": str(now_us - 5_000_000)})
    write_ok(ofs, grp, ["id", "cnt"], [[7, 2]])  # the server's time: newer
    write_ok(ofs, grp, ["id", "cnt"], [[7, 3]], headers={"ofs-write-time": str(now_us - 1_000_000)})  # a replay
    assert read_one(ofs, grp, ["cnt"], ["id"], [7]) == [2]
    write_ok(ofs, grp, ["id", "cnt"], [[7, 4]], headers={"ofs-write-time": str(now_us + 30_000_000)})
    assert read_one(ofs, grp, ["cnt"], ["id"], [7]) == [4]
    for bad in ("soon", "-5", "0", str(now_us // 1000), str(now_us + 3_600_000_000)):
        r = ofs.write(grp, ["id", "cnt"], [[7, 5]], headers={"ofs-write-time": bad})
        assert r.status == 400 and "ofs-write-time" in r.text, r.describe()
    assert read_one(ofs, grp, ["cnt"], ["id"], [7]) == [4]
    # Batch writes take it too: a replay at an old time changes nothing.
    r = ofs.batch_write([write_body(grp, ["id", "cnt"], [[7, 6]])], headers={"ofs-write-time": str(now_us - 2_000_000)})
    assert r.status == 200, r.describe()
    assert read_one(ofs, grp, ["cnt"], ["id"], [7]) == [4]


def test_null_value_fails_its_row(ofs: Ofs):
    ent, grp = make_basic(ofs)
    r = assert_ok(ofs.write(grp, ["id", "score", "label"], [[1, 1.0, "ok"], [2, None, "x"], [3, 3.0, None]]))
    assert len(r["successfulRows"]) == 1
    assert _sorted_rows(r["failedRows"]) == _sorted_rows([[2, None, "x"], [3, 3.0, None]])
    d = read_data(ofs, grp, ["score", "label"], ["id"], [[1], [2], [3]])
    assert found_map(d) == {(1,): [1.0, "ok"]}
    assert _sorted_rows(d["failedKeys"]) == [[2], [3]]


def test_failed_row_does_not_touch_other_columns(ofs: Ofs):
    """A row that fails conversion writes nothing, not even its good columns."""
    ent, grp = make_basic(ofs)
    write_ok(ofs, grp, ["id", "label", "cnt"], [[1, "keep", 1]])
    r = assert_ok(ofs.write(grp, ["id", "label", "cnt"], [[1, "changed", "not-an-int"]]))
    assert r["failedRows"] == [[1, "changed", "not-an-int"]]
    assert read_one(ofs, grp, ["label", "cnt"], ["id"], [1]) == ["keep", 1]


def test_bad_key_value_fails_row(ofs: Ofs):
    ent, grp = make_basic(ofs)
    r = assert_ok(ofs.write(grp, ["id", "label"], [["abc", "x"], [7, "y"], [1.5, "z"]]))
    assert _sorted_rows(r["failedRows"]) == _sorted_rows([["abc", "x"], [1.5, "z"]])
    assert len(r["successfulRows"]) == 1


def test_key_given_as_string_converts(ofs: Ofs):
    ent, grp = make_basic(ofs)
    write_ok(ofs, grp, ["id", "label"], [["42", "from string"]])
    d = read_data(ofs, grp, ["label"], ["id"], [[42], ["42"]])
    keys = [sk["key"] for sk in d["successfulKeys"]]
    assert [42] in keys and ["42"] in keys, d  # key echoes the request row as sent
    assert all(sk["features"] == ["from string"] for sk in d["successfulKeys"])


def test_write_entity_columns_through_group(ofs: Ofs):
    ent, grp = make_basic(ofs)
    other = make_group(ofs, ent, features=[("z", "INT")])
    write_ok(ofs, grp, ["id", "region"], [[3, "apac"]])
    # the entity column lives in the entity row: visible through every group of the entity
    write_ok(ofs, other, ["id", "z"], [[3, 1]])
    assert read_one(ofs, other, ["region", "z"], ["id"], [3]) == ["apac", 1]


def test_groups_on_one_entity_are_isolated(ofs: Ofs):
    ent = make_entity(ofs)
    a = make_group(ofs, ent, features=[("score", "DOUBLE")])
    b = make_group(ofs, ent, features=[("score", "DOUBLE")])
    write_ok(ofs, a, ["id", "score"], [[1, 1.0]])
    write_ok(ofs, b, ["id", "score"], [[1, 2.0]])
    assert read_one(ofs, a, ["score"], ["id"], [1]) == [1.0]
    assert read_one(ofs, b, ["score"], ["id"], [1]) == [2.0]
    write_ok(ofs, a, ["id", "score"], [[2, 5.0]])
    assert read_one(ofs, b, ["score"], ["id"], [2]) is None


def test_write_run_id_and_headers_accepted(ofs: Ofs):
    ent, grp = make_basic(ofs)
    headers = {"replicate-write": "false", "feature-store-type": "cassandra"}
    r = assert_ok(ofs.write(grp, ["id", "cnt"], [[1, 1]], run_id="run-123", headers=headers))
    assert r["failedRows"] == []
    assert read_one(ofs, grp, ["cnt"], ["id"], [1], ) == [1]
    r = assert_ok(ofs.read(grp, ["cnt"], ["id"], [[1]], headers={"feature-store-type": "cassandra"}))
    assert found_map(r) == {(1,): [1]}


def test_large_write_and_read(ofs: Ofs):
    ent, grp = make_basic(ofs)
    rows = [[i, f"r{i % 7}", i / 8, f"label-{i}", i] for i in range(2000)]
    write_ok(ofs, grp, BASIC, rows)
    keys = [[i] for i in range(0, 2000, 3)] + [[10_000_000 + i] for i in range(20)]
    d = read_data(ofs, grp, ["label", "cnt", "score"], ["id"], keys)
    found = found_map(d)
    assert len(found) == len(range(0, 2000, 3))
    for i in range(0, 2000, 3):
        assert found[(i,)] == [f"label-{i}", i, i / 8]
    assert len(d["failedKeys"]) == 20


# ------------------------------------------------------------------------------------------------
# read semantics
# ------------------------------------------------------------------------------------------------

def test_read_response_shape(ofs: Ofs):
    ent, grp = make_basic(ofs)
    write_ok(ofs, grp, BASIC, [[1, "eu", 0.5, "a", 1]])
    d = read_data(ofs, grp, ["score"], ["id"], [[1], [2]])
    assert d["featureGroupName"] == grp
    assert d["featureGroupVersion"] == "v1"
    assert d["successfulKeys"] == [{"key": [1], "features": [0.5]}]
    assert d["failedKeys"] == [[2]]


@pytest.mark.parametrize("face", READ_FACES)
def test_read_columns_in_requested_order(server, face):
    ofs = Ofs(server, face)
    ent, grp = make_basic(ofs)
    write_ok(ofs, grp, BASIC, [[1, "eu", 0.5, "a", 7]])
    assert read_one(ofs, grp, ["cnt", "label", "region", "score"], ["id"], [1]) == [7, "a", "eu", 0.5]
    assert read_one(ofs, grp, ["label"], ["id"], [1]) == ["a"]
    # key columns may be requested too
    assert read_one(ofs, grp, ["id", "label"], ["id"], [1]) == [1, "a"]


def test_read_null_for_unwritten_column(ofs: Ofs):
    ent, grp = make_basic(ofs)
    write_ok(ofs, grp, ["id", "score"], [[1, 2.5]])
    assert read_one(ofs, grp, ["score", "label", "cnt"], ["id"], [1]) == [2.5, None, None]
    # every requested non-key column null -> failed key
    d = read_data(ofs, grp, ["label", "cnt"], ["id"], [[1]])
    assert d["successfulKeys"] == [] and d["failedKeys"] == [[1]]
    d = read_data(ofs, grp, ["id", "label"], ["id"], [[1]])
    assert d["successfulKeys"] == [] and d["failedKeys"] == [[1]]


def test_read_failed_keys_missing_and_unconvertible(ofs: Ofs):
    ent, grp = make_basic(ofs)
    write_ok(ofs, grp, ["id", "label"], [[1, "a"]])
    d = read_data(ofs, grp, ["label"], ["id"], [[1], [999999], ["abc"], [1.5], ["9223372036854775808"]])
    assert found_map(d) == {(1,): ["a"]}
    assert _sorted_rows(d["failedKeys"]) == _sorted_rows([[999999], ["abc"], [1.5], ["9223372036854775808"]])


def test_read_composite_key_any_order(ofs: Ofs):
    ent = make_entity(ofs, features=[("a", "TEXT"), ("b", "INT"), ("v", "TEXT")], keys=["a", "b"])
    grp = make_group(ofs, ent, features=[("x", "INT")])
    write_ok(ofs, grp, ["b", "a", "x"], [[1, "k", 100], [2, "k", 200]])
    d = read_data(ofs, grp, ["x"], ["b", "a"], [[2, "k"], [1, "k"], [3, "k"]])
    assert found_map(d) == {(2, "k"): [200], (1, "k"): [100]}
    assert d["failedKeys"] == [[3, "k"]]
    d = read_data(ofs, grp, ["x"], ["a", "b"], [["k", 1]])
    assert d["successfulKeys"] == [{"key": ["k", 1], "features": [100]}]


def test_read_names_case_insensitive(ofs: Ofs):
    ent, grp = make_basic(ofs)
    write_ok(ofs, grp, ["ID", "Label", "SCORE"], [[1, "a", 0.5]])
    d = read_data(ofs, grp.upper(), ["LABEL", "Score"], ["Id"], [[1]])
    assert found_map(d) == {(1,): ["a", 0.5]}


def test_request_keys_case_insensitive(ofs: Ofs):
    ent, grp = make_basic(ofs)
    body = {"FeatureGroupName": grp, "FEATURES": {"Names": ["id", "label"], "VALUES": [[1, "ci"]]}}
    r = assert_ok(ofs.write_raw(body))
    assert r["failedRows"] == []
    body = {"featuregroupname": grp, "FeatureColumns": ["label"],
            "PRIMARYKEYS": {"NAMES": ["id"], "Values": [[1]]}, "someUnknownKey": [1, 2, 3]}
    d = assert_ok(ofs.read_raw(body))
    assert found_map(d) == {(1,): ["ci"]}


def test_read_fields_in_any_order_and_repeated_field_last_wins(ofs: Ofs):
    ent, grp = make_basic(ofs)
    write_ok(ofs, grp, ["id", "label"], [[1, "a"], [2, "b"]])
    # The group is named last: key values are decoded before the key types are known.
    body = {"primaryKeys": {"values": [[2], [1], ["x"]], "names": ["id"]}, "featureColumns": ["label"],
            "featureGroupName": grp}
    d = assert_ok(ofs.read_raw(body))
    assert found_map(d) == {(2,): ["b"], (1,): ["a"]}
    assert d["failedKeys"] == [["x"]]
    # A repeated field replaces the earlier one.
    raw = ('{"featureGroupName": "%s", "featureColumns": ["id"], "featureColumns": ["label"],'
           ' "primaryKeys": {"names": ["id"], "values": [[9]]}, "primaryKeys": {"names": ["id"], "values": [[1]]}}'
           % grp).encode()
    d = assert_ok(ofs.read_raw(raw))
    assert d["successfulKeys"] == [{"key": [1], "features": ["a"]}] and d["failedKeys"] == []


def test_write_fields_in_any_order_and_repeated_field_last_wins(ofs: Ofs):
    ent, grp = make_basic(ofs)
    # The group is named last: values are decoded before the column types are known.
    body = {"features": {"values": [[1, "a"], ["x", "b"]], "names": ["id", "label"]}, "featureGroupName": grp}
    r = assert_ok(ofs.write_raw(body))
    assert r["successfulRows"] == [[1, "a"]] and r["failedRows"] == [["x", "b"]]
    raw = ('{"featureGroupName": "%s", "features": {"names": ["id", "label"], "values": [[2, "lost"]]},'
           ' "features": {"names": ["id", "label"], "values": [[2, "kept"]]}}' % grp).encode()
    r = assert_ok(ofs.write_raw(raw))
    assert r["successfulRows"] == [[2, "kept"]]
    d = read_data(ofs, grp, ["label"], ["id"], [[1], [2]])
    assert found_map(d) == {(1,): ["a"], (2,): ["kept"]}


def test_read_duplicate_keys_answered(ofs: Ofs):
    ent, grp = make_basic(ofs)
    write_ok(ofs, grp, ["id", "label"], [[1, "a"]])
    d = read_data(ofs, grp, ["label"], ["id"], [[1], [1]])
    assert len(d["successfulKeys"]) + len(d["failedKeys"]) >= 1
    assert all(sk["features"] == ["a"] for sk in d["successfulKeys"])
    assert d["failedKeys"] == []


def test_read_empty_key_list(ofs: Ofs):
    ent, grp = make_basic(ofs)
    r = ofs.read(grp, ["label"], ["id"], [])
    if r.status == 200:
        d = r.body["data"]
        assert d.get("successfulKeys", []) == [] and d.get("failedKeys", []) == []
    else:
        assert_error(r, 400, codes={"READ-FEATURE-GROUP-REQUEST-EXCEPTION",
                                    "FEATURE-GROUP-SCHEMA-VALIDATION-EXCEPTION"})


# ------------------------------------------------------------------------------------------------
# versions
# ------------------------------------------------------------------------------------------------

def test_versions_read_latest_by_default(ofs: Ofs):
    ent = make_entity(ofs)
    grp = make_group(ofs, ent, features=[("x", "INT")])
    write_ok(ofs, grp, ["id", "x"], [[1, 10]])
    make_group(ofs, ent, grp, features=[("x", "INT"), ("y", "TEXT")], upgrade=True)
    # version columns are distinct storage columns: v2's x is empty
    d = read_data(ofs, grp, ["x"], ["id"], [[1]])
    assert d["featureGroupVersion"] == "v2"
    assert d["failedKeys"] == [[1]]
    d = read_data(ofs, grp, ["x"], ["id"], [[1]], version="v1")
    assert d["featureGroupVersion"] == "v1"
    assert found_map(d) == {(1,): [10]}
    # writes without a version go to the latest
    w = write_ok(ofs, grp, ["id", "x", "y"], [[1, 20, "two"]])
    assert w["featureGroupVersion"] == "v2"
    assert read_one(ofs, grp, ["x", "y"], ["id"], [1]) == [20, "two"]
    assert read_one(ofs, grp, ["x"], ["id"], [1], version="v1") == [10]
    # writes to an explicit old version
    w = write_ok(ofs, grp, ["id", "x"], [[1, 11]], version="v1")
    assert w["featureGroupVersion"] == "v1"
    assert read_one(ofs, grp, ["x"], ["id"], [1], version="v1") == [11]
    assert read_one(ofs, grp, ["x"], ["id"], [1], version="v2") == [20]


def test_explicit_null_version_means_latest(ofs: Ofs):
    ent = make_entity(ofs)
    grp = make_group(ofs, ent, features=[("x", "INT")])
    make_group(ofs, ent, grp, features=[("x", "INT")], upgrade=True)
    body = write_body(grp, ["id", "x"], [[1, 2]])
    body["featureGroupVersion"] = None
    assert assert_ok(ofs.write_raw(body))["featureGroupVersion"] == "v2"
    body = read_body(grp, ["x"], ["id"], [[1]])
    body["featureGroupVersion"] = None
    d = assert_ok(ofs.read_raw(body))
    assert d["featureGroupVersion"] == "v2"
    assert found_map(d) == {(1,): [2]}


def test_column_added_in_v2_unknown_to_v1(ofs: Ofs):
    ent = make_entity(ofs)
    grp = make_group(ofs, ent, features=[("x", "INT")])
    make_group(ofs, ent, grp, features=[("x", "INT"), ("y", "TEXT")], upgrade=True)
    r = ofs.read(grp, ["y"], ["id"], [[1]], version="v1")
    assert_error(r, 400, "FEATURE-GROUP-SCHEMA-VALIDATION-EXCEPTION")
    r = ofs.write(grp, ["id", "y"], [[1, "v"]], version="v1")
    assert_error(r, 400, "FEATURE-GROUP-SCHEMA-VALIDATION-EXCEPTION")


def test_unversioned_group_reads_and_writes(ofs: Ofs):
    ent = make_entity(ofs)
    grp = make_group(ofs, ent, features=[("x", "INT")], version_enabled=False)
    w = write_ok(ofs, grp, ["id", "x"], [[1, 5]])
    assert w["featureGroupVersion"] == "v1"
    assert read_one(ofs, grp, ["x"], ["id"], [1]) == [5]
    assert read_one(ofs, grp, ["x"], ["id"], [1], version="v1") == [5]


# ------------------------------------------------------------------------------------------------
# archived groups
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("face", READ_FACES)
def test_archived_group_refuses_reads_and_writes(server, face):
    ofs = Ofs(server, face)
    admin = Ofs(server, "v1")
    ent, grp = make_basic(admin)
    write_ok(ofs, grp, ["id", "cnt"], [[1, 1]])
    assert_ok(admin.set_group_state(grp, "ARCHIVED"))
    assert_error(ofs.read(grp, ["cnt"], ["id"], [[1]]), 400, STATE)
    assert_error(ofs.write(grp, ["id", "cnt"], [[1, 2]]), 400, STATE)
    assert_error(ofs.partition(grp, ["cnt"], ["id"], [1]), 400, STATE)
    m = assert_ok(ofs.multi_read([read_body(grp, ["cnt"], ["id"], [[1]])]))
    assert len(m) == 1 and isinstance(m[0].get("error"), str), m
    bw = assert_ok(ofs.batch_write([write_body(grp, ["id", "cnt"], [[1, 3]])]))
    assert len(bw["failedBatches"]) == 1 and not bw.get("batches")
    # revived: the data is still there and unchanged by the refused writes
    assert_ok(admin.set_group_state(grp, "LIVE"))
    assert read_one(ofs, grp, ["cnt"], ["id"], [1]) == [1]


def test_archived_old_version_latest_still_served(ofs: Ofs):
    ent = make_entity(ofs)
    grp = make_group(ofs, ent, features=[("x", "INT")])
    write_ok(ofs, grp, ["id", "x"], [[1, 1]])
    make_group(ofs, ent, grp, features=[("x", "INT")], upgrade=True)
    write_ok(ofs, grp, ["id", "x"], [[1, 2]])
    assert_ok(ofs.set_group_state(grp, "ARCHIVED", version="v1"))
    assert_error(ofs.read(grp, ["x"], ["id"], [[1]], version="v1"), 400, STATE)
    assert read_one(ofs, grp, ["x"], ["id"], [1]) == [2]


def test_write_async_to_archived_group_refused(server):
    ofs = Ofs(server, "v1")
    ent, grp = make_basic(ofs)
    assert_ok(ofs.set_group_state(grp, "ARCHIVED"))
    assert_error(ofs.write_async(grp, ["id", "cnt"], [[1, 1]]), 400, STATE)


# ------------------------------------------------------------------------------------------------
# tenants: migration between storage clusters (read != write, replicate-write)
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("face", FACES)
def test_tenant_migration_replicates_writes(server, face):
    """Point `write` at a new tenant, write (replicated to both by default, or only to the new one with
    replicate-write: false), then move `read`: only rows written to the new tenant are served from it."""
    ofs = Ofs(server, face)
    admin = Ofs(server, "v1")
    ent, grp = make_basic(admin)
    write_ok(ofs, grp, ["id", "label"], [[0, "old-cluster-only"]])
    new = uniq("tenant_new")
    r = admin.set_tenant(grp, {"read": "default-tenant", "write": new, "consume": "default-tenant"})
    if r.status == 400 and r.body.get("error", {}).get("code") == "OFS-V2-TENANT-NOT-FOUND-EXCEPTION":
        pytest.skip("this deployment only accepts configured tenant names")
    assert_ok(r)
    write_ok(ofs, grp, ["id", "label"], [[1, "replicated"]])
    write_ok(ofs, grp, ["id", "label"], [[2, "new-cluster-only"]], headers={"replicate-write": "false"})
    # reads still come from the old cluster
    d = read_data(ofs, grp, ["label"], ["id"], [[0], [1], [2]])
    assert found_map(d) == {(0,): ["old-cluster-only"], (1,): ["replicated"]}
    assert d["failedKeys"] == [[2]]
    # move reads: the new cluster has what was written to it, not the un-backfilled old row
    assert_ok(admin.set_tenant(grp, {"read": new, "write": new, "consume": "default-tenant"}))
    d = read_data(ofs, grp, ["label"], ["id"], [[0], [1], [2]])
    assert found_map(d) == {(1,): ["replicated"], (2,): ["new-cluster-only"]}
    assert d["failedKeys"] == [[0]]
    # and back: the old cluster still has its rows plus the replicated one
    assert_ok(admin.set_tenant(grp, {"read": "default-tenant", "write": "default-tenant",
                                     "consume": "default-tenant"}))
    d = read_data(ofs, grp, ["label"], ["id"], [[0], [1], [2]])
    assert found_map(d) == {(0,): ["old-cluster-only"], (1,): ["replicated"]}


# ------------------------------------------------------------------------------------------------
# multi-read
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("face", READ_FACES)
def test_multi_read_with_failing_batch(server, face):
    ofs = Ofs(server, face)
    ent, grp = make_basic(ofs)
    other = make_group(ofs, ent, features=[("z", "TEXT")])
    write_ok(ofs, grp, ["id", "label"], [[1, "one"], [2, "two"]])
    write_ok(ofs, other, ["id", "z"], [[1, "zed"]])
    missing = uniq("no_such_group")
    m = assert_ok(ofs.multi_read([
        read_body(grp, ["label"], ["id"], [[1], [3]]),
        read_body(missing, ["label"], ["id"], [[1]]),
        read_body(grp, ["not_a_column"], ["id"], [[1]]),
        read_body(other, ["z", "region"], ["id"], [[1]]),
        read_body(grp, ["label"], ["id"], [[2]], version="v9"),
    ]))
    assert len(m) == 5
    assert found_map(m[0]) == {(1,): ["one"]} and m[0]["failedKeys"] == [[3]]
    assert m[0]["featureGroupVersion"] == "v1"
    assert m[1]["featureGroupName"] == missing and isinstance(m[1]["error"], str) and m[1]["error"]
    assert "successfulKeys" not in m[1]
    assert m[2]["featureGroupName"] == grp and isinstance(m[2]["error"], str) and m[2]["error"]
    assert found_map(m[3]) == {(1,): ["zed", None]}
    assert m[4]["featureGroupName"] == grp and isinstance(m[4]["error"], str)


def test_multi_read_same_group_twice_different_versions(ofs: Ofs):
    ent = make_entity(ofs)
    grp = make_group(ofs, ent, features=[("x", "INT")])
    write_ok(ofs, grp, ["id", "x"], [[1, 1]])
    make_group(ofs, ent, grp, features=[("x", "INT")], upgrade=True)
    write_ok(ofs, grp, ["id", "x"], [[1, 2]])
    m = assert_ok(ofs.multi_read([read_body(grp, ["x"], ["id"], [[1]], version="v1"),
                                  read_body(grp, ["x"], ["id"], [[1]])]))
    assert [x["featureGroupVersion"] for x in m] == ["v1", "v2"]
    assert [found_map(x)[(1,)] for x in m] == [[1], [2]]


def test_multi_read_empty_batches(ofs: Ofs):
    r = ofs.multi_read([])
    if r.status == 200:
        assert r.body["data"] == []
    else:
        assert_error(r, 400, "MULTI-READ-FEATURE-GROUP-REQUEST-EXCEPTION")


# ------------------------------------------------------------------------------------------------
# batch write
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("face", FACES)
def test_batch_write_with_failing_batch(server, face):
    ofs = Ofs(server, face)
    ent, grp = make_basic(ofs)
    other = make_group(ofs, ent, features=[("z", "TEXT")])
    bad_schema = write_body(grp, ["id", "nope"], [[1, 1]])
    unknown = write_body(uniq("no_such_group"), ["id"], [[1]])
    bw = assert_ok(ofs.batch_write([
        write_body(grp, ["id", "label"], [[1, "a"], [2, "b"]]),
        bad_schema,
        write_body(other, ["id", "z"], [[1, "zz"], ["bad-key", "x"]]),
        unknown,
    ]))
    assert len(bw["batches"]) == 2
    first, third = bw["batches"]
    assert first["featureGroupName"] == grp and len(first["successfulRows"]) == 2 and first["failedRows"] == []
    assert third["featureGroupName"] == other
    assert len(third["successfulRows"]) == 1 and third["failedRows"] == [["bad-key", "x"]]
    failed = bw["failedBatches"]
    assert len(failed) == 2
    for fb, sent in zip(failed, (bad_schema, unknown)):
        assert isinstance(fb["error"], str) and fb["error"]
        assert fb["batch"]["featureGroupName"] == sent["featureGroupName"]
        assert fb["batch"]["features"] == sent["features"]
    assert found_map(read_data(ofs, grp, ["label"], ["id"], [[1], [2]])) == {(1,): ["a"], (2,): ["b"]}
    assert read_one(ofs, other, ["z"], ["id"], [1]) == ["zz"]


def test_batch_write_versions(ofs: Ofs):
    ent = make_entity(ofs)
    grp = make_group(ofs, ent, features=[("x", "INT")])
    make_group(ofs, ent, grp, features=[("x", "INT")], upgrade=True)
    bw = assert_ok(ofs.batch_write([write_body(grp, ["id", "x"], [[1, 1]], version="v1"),
                                    write_body(grp, ["id", "x"], [[1, 2]])]))
    assert [b["featureGroupVersion"] for b in bw["batches"]] == ["v1", "v2"]
    assert read_one(ofs, grp, ["x"], ["id"], [1], version="v1") == [1]
    assert read_one(ofs, grp, ["x"], ["id"], [1]) == [2]


def test_batch_write_missing_batches(ofs: Ofs):
    assert_error(ofs.batch_write_raw({}), 400, codes={"WRITE-FEATURE-GROUP-REQUEST-EXCEPTION", "INVALID_REQUEST"})


# ------------------------------------------------------------------------------------------------
# async write
# ------------------------------------------------------------------------------------------------

def test_write_async_reaches_store(server):
    ofs = Ofs(server, "v1")
    ent, grp = make_basic(ofs)
    r = ofs.write_async(grp, ["id", "label", "cnt"], [[1, "async-1", 1], [2, "async-2", 2], [3, "async-3", 3]])
    assert r.status == 202, r.describe()
    assert r.body["data"]["accepted"] == 3

    def landed():
        d = read_data(ofs, grp, ["label", "cnt"], ["id"], [[1], [2], [3]])
        return found_map(d) == {(1,): ["async-1", 1], (2,): ["async-2", 2], (3,): ["async-3", 3]}

    wait_until(landed, timeout=15, interval=0.1, what="async rows to reach the store")


def test_write_async_unknown_group(server):
    ofs = Ofs(server, "v1")
    assert_error(ofs.write_async(uniq("nope"), ["id"], [[1]]), 404, "FEATURE-GROUP-NOT-FOUND-EXCEPTION")


def test_write_async_schema_checked(server):
    ofs = Ofs(server, "v1")
    ent, grp = make_basic(ofs)
    assert_error(ofs.write_async(grp, ["id", "nope"], [[1, 1]]), 400, "FEATURE-GROUP-SCHEMA-VALIDATION-EXCEPTION")


# ------------------------------------------------------------------------------------------------
# TTL
# ------------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_entity_ttl_expires_cells(server):
    ofs = Ofs(server, "v1")
    ent = make_entity(ofs, ttl=1)
    grp = make_group(ofs, ent)
    write_ok(ofs, grp, ["id", "label"], [[1, "short-lived"]])
    assert read_one(ofs, grp, ["label"], ["id"], [1]) == ["short-lived"]
    time.sleep(2.2)
    d = read_data(ofs, grp, ["label"], ["id"], [[1]])
    assert d["successfulKeys"] == [] and d["failedKeys"] == [[1]]
    p = assert_ok(ofs.partition(grp, ["label"], ["id"], [1]))
    assert p["features"] == []
    # a fresh write is visible again
    write_ok(ofs, grp, ["id", "label"], [[1, "again"]])
    assert read_one(ofs, grp, ["label"], ["id"], [1]) == ["again"]


@pytest.mark.slow
@pytest.mark.parametrize("face", FACES)
def test_ttl_update_applies_to_new_writes(server, face):
    ofs = Ofs(server, face)
    ent, grp = make_basic(ofs)
    write_ok(ofs, grp, ["id", "label"], [[1, "before"]])
    assert_ok(ofs.set_ttl(grp, 1))
    write_ok(ofs, grp, ["id", "label"], [[2, "after"]])
    assert read_one(ofs, grp, ["label"], ["id"], [2]) == ["after"]
    time.sleep(2.2)
    d = read_data(ofs, grp, ["label"], ["id"], [[1], [2]])
    assert found_map(d) == {(1,): ["before"]}
    assert d["failedKeys"] == [[2]]


@pytest.mark.slow
def test_ttl_per_cell_upsert_refreshes(server):
    ofs = Ofs(server, "v1")
    ent = make_entity(ofs, ttl=3)
    grp = make_group(ofs, ent)
    write_ok(ofs, grp, ["id", "label", "cnt"], [[1, "old", 1]])
    time.sleep(1.6)
    write_ok(ofs, grp, ["id", "cnt"], [[1, 2]])  # refresh one cell only
    time.sleep(1.6)
    # label written ~3.2 s ago (ttl 3 s) is gone, cnt written ~1.6 s ago is live
    assert read_one(ofs, grp, ["label", "cnt"], ["id"], [1]) == [None, 2]


# ------------------------------------------------------------------------------------------------
# transport: gzip, keep-alive, pipelining, GET bodies
# ------------------------------------------------------------------------------------------------

def test_gzip_request_body(ofs: Ofs):
    ent, grp = make_basic(ofs)
    r = assert_ok(ofs.write(grp, ["id", "label"], [[1, "zipped"]], gzip_body=True))
    assert r["failedRows"] == []
    d = assert_ok(ofs.read_raw(read_body(grp, ["label"], ["id"], [[1]]), gzip_body=True))
    assert found_map(d) == {(1,): ["zipped"]}


def test_corrupt_gzip_request_body(server):
    r = server.serving.post("/v1/feature-group/write", b"\x1f\x8b\x08\x00garbage-not-deflate",
                            headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})
    assert_error(r, 400, "INVALID_REQUEST")


def test_gzip_response_for_large_body(server):
    ofs = Ofs(server, "v1")
    ent, grp = make_basic(ofs)
    rows = [[i, "r", 0.5, "x" * 120 + str(i), i] for i in range(400)]
    write_ok(ofs, grp, BASIC, rows)
    body = read_body(grp, ["label", "cnt"], ["id"], [[i] for i in range(400)])
    zipped = server.serving.post("/v1/feature-group/read", body, headers={"Accept-Encoding": "gzip"})
    assert zipped.status == 200, zipped.describe()
    assert "gzip" in zipped.headers.get("content-encoding", "").lower(), zipped.headers
    assert len(zipped.wire_bytes) < len(zipped.raw)
    plain = server.serving.post("/v1/feature-group/read", body)
    assert plain.status == 200
    assert "gzip" not in plain.headers.get("content-encoding", "").lower()
    assert zipped.body == plain.body
    assert len(plain.body["data"]["successfulKeys"]) == 400


def test_keep_alive_connection_serves_many_requests(server):
    import http.client
    ofs = Ofs(server, "v1")
    ent, grp = make_basic(ofs)
    conn = http.client.HTTPConnection("127.0.0.1", server.serving_port, timeout=10)
    try:
        for i in range(20):
            payload = json.dumps(write_body(grp, ["id", "cnt"], [[i, i]])).encode()
            conn.request("POST", "/v1/feature-group/write", payload, {"Content-Type": "application/json"})
            resp = conn.getresponse()
            assert resp.status == 200
            data = json.loads(resp.read())["data"]
            assert data["failedRows"] == []
        conn.request("GET", "/health")
        resp = conn.getresponse()
        assert resp.status == 200
        resp.read()
    finally:
        conn.close()
    assert read_one(ofs, grp, ["cnt"], ["id"], [19]) == [19]


def test_pipelined_requests_answered_in_order(server):
    ofs = Ofs(server, "v1")
    ent, grp = make_basic(ofs)
    write_ok(ofs, grp, ["id", "label"], [[1, "p1"], [2, "p2"], [3, "p3"]])
    reqs = b""
    for i in (1, 2, 3):
        payload = json.dumps(read_body(grp, ["label"], ["id"], [[i]])).encode()
        reqs += (b"POST /v1/feature-group/read HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                 b"Content-Length: " + str(len(payload)).encode() + b"\r\n\r\n" + payload)
    reqs += b"GET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
    data = raw_exchange(server.serving_port, reqs, timeout=10)
    labels = [lab for lab in (b'"p1"', b'"p2"', b'"p3"') if lab in data]
    assert labels == [b'"p1"', b'"p2"', b'"p3"'], data[:2000]
    assert data.index(b'"p1"') < data.index(b'"p2"') < data.index(b'"p3"') < data.rindex(b"UP")
    assert data.count(b"HTTP/1.1 200") == 4, data[:3000]


def test_darwin_reads_accept_get_and_post(server):
    v1 = Ofs(server, "v1")
    ent, grp = make_basic(v1)
    write_ok(v1, grp, ["id", "label"], [[1, "g"]])
    body = read_body(grp, ["label"], ["id"], [[1]])
    got = assert_ok(server.serving.get("/feature-group/read-features", body))
    posted = assert_ok(server.serving.post("/feature-group/read-features", body))
    assert got == posted
    assert found_map(got) == {(1,): ["g"]}


# ------------------------------------------------------------------------------------------------
# Darwin's legacy POST /ofs/async-batch-write (its Kafka consumer posts every v1 batch there)
# ------------------------------------------------------------------------------------------------

def test_legacy_async_batch_write_writes_each_record_and_lists_the_failed(server):
    ofs = Ofs(server, "darwin")
    ent, grp = make_basic(ofs)
    ok_record = {"EntityName": ent, "Entities": ["id"], "FeatureGroup": grp.upper(),
                 "Features": {"ID": 1, "Label": "legacy", "cnt": 5}}  # names in any letter case, as Darwin
    bad_value = {"EntityName": ent, "Entities": ["id"], "FeatureGroup": grp, "Features": {"id": 2, "cnt": "x"}}
    unknown = {"EntityName": ent, "Entities": ["id"], "FeatureGroup": uniq("nope"), "Features": {"id": 3}}
    r = ofs.serving.post("/ofs/async-batch-write", {"Body": [ok_record, bad_value, unknown]})
    assert r.status == 200, r.describe()
    assert r.body["code"] == 200 and "error" not in r.body, r.describe()
    data = r.body["data"]
    assert data["Success"] is True
    assert data["Successful_records"] == 1
    assert data["Message"] == "Total successfulRecords: 1"
    failed = data["Failed_records"]
    assert [f["Record"] for f in failed] == [bad_value, unknown]
    assert all(f["Success"] is False for f in failed)
    assert "cnt" in failed[0]["Err"] and failed[1]["Err"] == "feature group not found", failed
    assert read_one(Ofs(server, "v1"), grp, ["label", "cnt"], ["id"], [1]) == ["legacy", 5]
    assert read_one(Ofs(server, "v1"), grp, ["cnt"], ["id"], [2]) is None


def test_legacy_async_batch_write_needs_its_body(server):
    ofs = Ofs(server, "darwin")
    assert_error(ofs.serving.post("/ofs/async-batch-write", {"nobody": []}), 400,
                 "WRITE-FEATURE-GROUP-REQUEST-EXCEPTION")
    r = ofs.serving.post("/ofs/async-batch-write", {"Body": [{"Features": {"id": 1}}]})
    assert r.status == 200 and r.body["data"]["Failed_records"][0]["Err"] == "FeatureGroup is required", r.describe()
