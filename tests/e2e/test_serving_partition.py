"""Partition reads: all rows of one partition in clustering order, paging, isolation between partitions.

API.md sections covered: 2 (primaryKeys: first = partition key, the rest clustering columns), 3 (partition read
on /v1/feature-group/partition/read and GET|POST /feature-group/read-partition; rows whose requested non-key
columns are all null are skipped; limit / pageToken / nextPageToken), 5 (rows ordered by clustering columns).
"""

import random

import pytest

from e2e_support import (
    READ_FACES, Ofs, assert_error, assert_ok, make_entity, make_group, partition_body, uniq, write_ok,
)

PARTITION_REQ = "READ-FEATURE-GROUP-PARTITION-REQUEST-EXCEPTION"
SCHEMA = "FEATURE-GROUP-SCHEMA-VALIDATION-EXCEPTION"


def _timeline(ofs):
    """Entity (user TEXT, ts BIGINT) keyed [user, ts]; group (val INT, note TEXT)."""
    ent = make_entity(ofs, features=[("user", "TEXT"), ("ts", "BIGINT"), ("country", "TEXT")], keys=["user", "ts"])
    grp = make_group(ofs, ent, features=[("val", "INT"), ("note", "TEXT")])
    return ent, grp


def _pages(ofs, grp, cols, names, values, limit=None, max_pages=200):
    pages, token = [], None
    for _ in range(max_pages):
        d = assert_ok(ofs.partition(grp, cols, names, values, limit=limit, page_token=token))
        assert d["featureGroupName"] == grp
        pages.append(d["features"])
        token = d.get("nextPageToken")
        if not token:
            return pages
        assert isinstance(token, str)
    raise AssertionError(f"more than {max_pages} pages")


@pytest.mark.parametrize("face", READ_FACES)
def test_rows_in_clustering_order(server, face):
    ofs = Ofs(server, face)
    ent, grp = _timeline(ofs)
    ts_values = [1_000_000, -5, 3, 0, 10, -1_000_000_000_000, 9223372036854775807, -9223372036854775808, 255, 256]
    shuffled = ts_values[:]
    random.Random(7).shuffle(shuffled)
    write_ok(ofs, grp, ["user", "ts", "val"], [["alice", ts, i] for i, ts in enumerate(shuffled)])
    d = assert_ok(ofs.partition(grp, ["ts", "val"], ["user"], ["alice"]))
    assert d["featureGroupVersion"] == "v1"
    assert [row[0] for row in d["features"]] == sorted(ts_values)
    expected_val = {ts: i for i, ts in enumerate(shuffled)}
    assert all(row[1] == expected_val[row[0]] for row in d["features"])
    assert "nextPageToken" not in d


def test_columns_in_requested_order(server):
    ofs = Ofs(server, "v1")
    ent, grp = _timeline(ofs)
    write_ok(ofs, grp, ["user", "ts", "country", "val", "note"], [["u", 1, "IN", 10, "a"], ["u", 2, "US", 20, "b"]])
    d = assert_ok(ofs.partition(grp, ["note", "country", "val", "ts", "user"], ["user"], ["u"]))
    assert d["features"] == [["a", "IN", 10, 1, "u"], ["b", "US", 20, 2, "u"]]


def test_partitions_are_isolated(server):
    ofs = Ofs(server, "v1")
    ent, grp = _timeline(ofs)
    users = ["u1", "u10", "u", "u1 ", "U1", "u2"]
    rows = [[u, ts, i * 10 + ts] for i, u in enumerate(users) for ts in (1, 2)]
    write_ok(ofs, grp, ["user", "ts", "val"], rows)
    for i, u in enumerate(users):
        d = assert_ok(ofs.partition(grp, ["ts", "val"], ["user"], [u]))
        assert d["features"] == [[1, i * 10 + 1], [2, i * 10 + 2]], (u, d)


def test_integer_partitions_are_isolated(server):
    ofs = Ofs(server, "v1")
    ent = make_entity(ofs, features=[("p", "BIGINT"), ("c", "INT")], keys=["p", "c"])
    grp = make_group(ofs, ent, features=[("v", "TEXT")])
    parts = [0, 1, -1, 255, 256, 65536, -256]
    write_ok(ofs, grp, ["p", "c", "v"], [[p, c, f"{p}/{c}"] for p in parts for c in (2, 1)])
    for p in parts:
        d = assert_ok(ofs.partition(grp, ["c", "v"], ["p"], [p]))
        assert d["features"] == [[1, f"{p}/1"], [2, f"{p}/2"]], (p, d)
    # the partition value converts like a key value
    d = assert_ok(ofs.partition(grp, ["v"], ["p"], ["256"]))
    assert d["features"] == [["256/1"], ["256/2"]]


def test_skips_rows_whose_requested_columns_are_null(server):
    ofs = Ofs(server, "v1")
    ent, grp = _timeline(ofs)
    write_ok(ofs, grp, ["user", "ts", "val"], [["s", 1, 1], ["s", 3, 3]])
    write_ok(ofs, grp, ["user", "ts", "note"], [["s", 2, "two"], ["s", 3, "three"]])
    d = assert_ok(ofs.partition(grp, ["ts", "val"], ["user"], ["s"]))
    assert d["features"] == [[1, 1], [3, 3]]
    d = assert_ok(ofs.partition(grp, ["ts", "note"], ["user"], ["s"]))
    assert d["features"] == [[2, "two"], [3, "three"]]
    d = assert_ok(ofs.partition(grp, ["val", "note"], ["user"], ["s"]))
    assert d["features"] == [[1, None], [None, "two"], [3, "three"]]


def test_empty_partition(server):
    ofs = Ofs(server, "v1")
    ent, grp = _timeline(ofs)
    d = assert_ok(ofs.partition(grp, ["val"], ["user"], ["nobody"]))
    assert d["features"] == []
    assert "nextPageToken" not in d


def test_two_clustering_columns(server):
    ofs = Ofs(server, "v1")
    ent = make_entity(ofs, features=[("user", "TEXT"), ("day", "INT"), ("seq", "INT")], keys=["user", "day", "seq"])
    grp = make_group(ofs, ent, features=[("v", "TEXT")])
    combos = [(d, s) for d in (3, -1, 20, 2) for s in (10, -3, 2, 1)]
    random.Random(3).shuffle(combos)
    write_ok(ofs, grp, ["seq", "v", "day", "user"], [[s, f"{d}.{s}", d, "u"] for d, s in combos])
    res = assert_ok(ofs.partition(grp, ["day", "seq", "v"], ["user"], ["u"]))
    assert [(r[0], r[1]) for r in res["features"]] == sorted(combos)
    assert all(r[2] == f"{r[0]}.{r[1]}" for r in res["features"])


CLUSTER_ORDERS = [
    ("INT", [-2147483648, -256, -1, 0, 1, 255, 256, 2147483647]),
    ("BIGINT", [-9223372036854775808, -4294967296, -1, 0, 1, 4294967296, 9223372036854775807]),
    ("DOUBLE", [-1e300, -2.5, -0.5, -1e-300, 0.0, 1e-300, 0.5, 2.25, 1e300]),
    ("FLOAT", [-3.5, -1.0, 0.0, 0.25, 1.5, 1e30]),
    ("TIMESTAMP", [-86400000, 0, 1, 946684799000, 1709208000000]),
    ("TEXT", ["A", "B", "Z", "a", "ab", "abc", "b", "é", "日"]),
    ("ASCII", ["0", "9", "A", "_", "a", "aa", "z"]),
    ("VARINT", [-10 ** 40, -257, -256, -1, 0, 1, 255, 256, 10 ** 40]),
    ("DECIMAL", [-100.5, -1, -0.001, 0, 0.001, 1, 2.5, 10, 100.25]),
]


@pytest.mark.parametrize("type_,ordered", CLUSTER_ORDERS, ids=[c[0] for c in CLUSTER_ORDERS])
def test_clustering_order_by_type(server, type_, ordered):
    ofs = Ofs(server, "v1")
    ent = make_entity(ofs, uniq(f"co_{type_.lower()}"), features=[("p", "TEXT"), ("c", type_)], keys=["p", "c"])
    grp = make_group(ofs, ent, features=[("i", "INT")])
    shuffled = list(enumerate(ordered))
    random.Random(11).shuffle(shuffled)
    write_ok(ofs, grp, ["p", "c", "i"], [["x", v, i] for i, v in shuffled])
    d = assert_ok(ofs.partition(grp, ["i"], ["p"], ["x"]))
    assert [r[0] for r in d["features"]] == list(range(len(ordered))), d["features"]


# ------------------------------------------------------------------------------------------------
# paging
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("face", READ_FACES)
def test_paging(server, face):
    ofs = Ofs(server, face)
    ent, grp = _timeline(ofs)
    write_ok(ofs, grp, ["user", "ts", "val"], [["p", ts, ts * 2] for ts in range(25)])
    pages = _pages(ofs, grp, ["ts", "val"], ["user"], ["p"], limit=10)
    assert [len(p) for p in pages] == [10, 10, 5]
    flat = [r for p in pages for r in p]
    assert flat == [[ts, ts * 2] for ts in range(25)]


def test_paging_exact_multiple_has_no_trailing_token(server):
    ofs = Ofs(server, "v1")
    ent, grp = _timeline(ofs)
    write_ok(ofs, grp, ["user", "ts", "val"], [["q", ts, ts] for ts in range(20)])
    first = assert_ok(ofs.partition(grp, ["ts", "val"], ["user"], ["q"], limit=10))
    assert len(first["features"]) == 10 and first.get("nextPageToken")
    second = assert_ok(ofs.partition(grp, ["ts", "val"], ["user"], ["q"], limit=10,
                                     page_token=first["nextPageToken"]))
    assert [r[0] for r in second["features"]] == list(range(10, 20))
    assert "nextPageToken" not in second, "no more rows remain: no nextPageToken"
    whole = assert_ok(ofs.partition(grp, ["ts", "val"], ["user"], ["q"], limit=20))
    assert len(whole["features"]) == 20 and "nextPageToken" not in whole
    bigger = assert_ok(ofs.partition(grp, ["ts", "val"], ["user"], ["q"], limit=1000))
    assert len(bigger["features"]) == 20 and "nextPageToken" not in bigger


def test_paging_limit_one(server):
    ofs = Ofs(server, "v1")
    ent, grp = _timeline(ofs)
    write_ok(ofs, grp, ["user", "ts", "val"], [["one", ts, ts] for ts in (5, 1, 3)])
    pages = _pages(ofs, grp, ["ts", "val"], ["user"], ["one"], limit=1)
    assert pages == [[[1, 1]], [[3, 3]], [[5, 5]]]


def test_paging_with_skipped_rows(server):
    ofs = Ofs(server, "v1")
    ent, grp = _timeline(ofs)
    write_ok(ofs, grp, ["user", "ts", "val"], [["sk", ts, ts] for ts in range(0, 30, 2)])
    write_ok(ofs, grp, ["user", "ts", "note"], [["sk", ts, "odd"] for ts in range(1, 30, 2)])
    pages = _pages(ofs, grp, ["ts", "val"], ["user"], ["sk"], limit=4)
    assert all(len(p) <= 4 for p in pages)
    assert [r for p in pages for r in p] == [[ts, ts] for ts in range(0, 30, 2)]


def test_paging_continues_after_concurrent_inserts(server):
    """The token marks a position: rows written after the first page that sort after it are seen, in order,
    with no duplicates and no gaps."""
    ofs = Ofs(server, "v1")
    ent, grp = _timeline(ofs)
    write_ok(ofs, grp, ["user", "ts", "val"], [["w", ts, ts] for ts in range(0, 40, 2)])
    first = assert_ok(ofs.partition(grp, ["ts", "val"], ["user"], ["w"], limit=5))
    assert [r[0] for r in first["features"]] == [0, 2, 4, 6, 8]
    write_ok(ofs, grp, ["user", "ts", "val"], [["w", 9, 9], ["w", 3, 3]])
    rest, token = [], first["nextPageToken"]
    while token:
        d = assert_ok(ofs.partition(grp, ["ts", "val"], ["user"], ["w"], limit=5, page_token=token))
        rest += [r[0] for r in d["features"]]
        token = d.get("nextPageToken")
    assert rest == [9] + list(range(10, 40, 2))


def test_large_partition_without_limit(server):
    ofs = Ofs(server, "v1")
    ent, grp = _timeline(ofs)
    rows = [["big", ts, ts % 1000] for ts in range(3000)]
    for i in range(0, len(rows), 1000):
        write_ok(ofs, grp, ["user", "ts", "val"], rows[i:i + 1000])
    pages = _pages(ofs, grp, ["ts", "val"], ["user"], ["big"])
    assert [r[0] for p in pages for r in p] == list(range(3000))


@pytest.mark.parametrize("token", ["%%%not a token%%%", "", "{\"json\": true}"])
def test_invalid_page_token(server, token):
    ofs = Ofs(server, "v1")
    ent, grp = _timeline(ofs)
    write_ok(ofs, grp, ["user", "ts", "val"], [["t", 1, 1]])
    r = ofs.partition_raw(partition_body(grp, ["val"], ["user"], ["t"], limit=10, page_token=token))
    if token == "" and r.status == 200:
        return  # an empty token may mean "first page"
    assert_error(r, 400, codes={PARTITION_REQ, "INVALID_REQUEST"})


@pytest.mark.parametrize("limit", [-1, "ten"])
def test_invalid_limit(server, limit):
    ofs = Ofs(server, "v1")
    ent, grp = _timeline(ofs)
    r = ofs.partition_raw(partition_body(grp, ["val"], ["user"], ["t"], limit=limit))
    assert_error(r, 400, codes={PARTITION_REQ, "INVALID_REQUEST"})


# ------------------------------------------------------------------------------------------------
# versions and validation
# ------------------------------------------------------------------------------------------------

def test_partition_versions(server):
    ofs = Ofs(server, "v1")
    ent = make_entity(ofs, features=[("user", "TEXT"), ("ts", "INT")], keys=["user", "ts"])
    grp = make_group(ofs, ent, features=[("x", "INT")])
    write_ok(ofs, grp, ["user", "ts", "x"], [["a", 1, 1], ["a", 2, 2]])
    make_group(ofs, ent, grp, features=[("x", "INT")], upgrade=True)
    write_ok(ofs, grp, ["user", "ts", "x"], [["a", 2, 20]])
    latest = assert_ok(ofs.partition(grp, ["ts", "x"], ["user"], ["a"]))
    assert latest["featureGroupVersion"] == "v2"
    assert latest["features"] == [[2, 20]]
    old = assert_ok(ofs.partition(grp, ["ts", "x"], ["user"], ["a"], version="v1"))
    assert old["featureGroupVersion"] == "v1"
    assert old["features"] == [[1, 1], [2, 2]]


@pytest.mark.parametrize("drop", ["featureGroupName", "featureColumns", "partitionKey"])
def test_missing_fields(server, drop):
    ofs = Ofs(server, "v1")
    ent, grp = _timeline(ofs)
    body = partition_body(grp, ["val"], ["user"], ["x"])
    del body[drop]
    for face in READ_FACES:
        assert_error(Ofs(server, face).partition_raw(body), 400, PARTITION_REQ)


@pytest.mark.parametrize("names,values", [(["ts"], [1]), (["nope"], ["x"]), (["user", "user"], ["x", "x"]),
                                          (["user"], [])],
                         ids=["clustering_column", "unknown_column", "duplicate", "no_value"])
def test_bad_partition_key(server, names, values):
    ofs = Ofs(server, "v1")
    ent, grp = _timeline(ofs)
    r = ofs.partition_raw(partition_body(grp, ["val"], names, values))
    assert_error(r, 400, codes={SCHEMA, PARTITION_REQ})


def test_unknown_and_duplicate_columns(server):
    ofs = Ofs(server, "v1")
    ent, grp = _timeline(ofs)
    assert_error(ofs.partition(grp, ["val", "nope"], ["user"], ["x"]), 400, SCHEMA)
    assert_error(ofs.partition(grp, ["val", "VAL"], ["user"], ["x"]), 400, SCHEMA)


def test_partition_names_case_insensitive(server):
    ofs = Ofs(server, "v1")
    ent, grp = _timeline(ofs)
    write_ok(ofs, grp, ["user", "ts", "val"], [["ci", 1, 1]])
    body = {"FeatureGroupName": grp.upper(), "FEATURECOLUMNS": ["VAL"],
            "PartitionKey": {"NAMES": ["USER"], "Values": ["ci"]}}
    d = assert_ok(ofs.partition_raw(body))
    assert d["features"] == [[1]]


# ------------------------------------------------------------------------------------------------
# Darwin: any primary-key prefix
# ------------------------------------------------------------------------------------------------

def _days_and_slots(ofs):
    """Entity keyed [user, day, seq]; user "u" has days 0..4 with seq 0..6 each, value day * 100 + seq."""
    ent = make_entity(ofs, features=[("user", "TEXT"), ("day", "INT"), ("seq", "INT")], keys=["user", "day", "seq"])
    grp = make_group(ofs, ent, features=[("v", "INT"), ("note", "TEXT")])
    write_ok(ofs, grp, ["user", "day", "seq", "v"], [["u", d, s, d * 100 + s] for d in range(5) for s in range(7)])
    write_ok(ofs, grp, ["user", "day", "seq", "v"], [["w", 2, 0, 9]])
    return grp


@pytest.mark.parametrize("limit", [None, 1, 3, 7, 8, 50])
def test_darwin_prefix_pages(server, limit):
    """Every page holds matching rows only, at most `limit`; nextPageToken only while more follow."""
    dw = Ofs(server, "darwin")
    grp = _days_and_slots(dw)
    for day in range(5):
        pages = _pages(dw, grp, ["seq", "v"], ["user", "day"], ["u", day], limit=limit)
        assert [r for p in pages for r in p] == [[s, day * 100 + s] for s in range(7)], (day, pages)
        assert all(p for p in pages), f"no empty page: {pages}"
        if limit:
            assert all(len(p) <= limit for p in pages)
            assert all(len(p) == limit for p in pages[1:-1])


def test_darwin_prefix_without_rows_and_whole_key(server):
    dw = Ofs(server, "darwin")
    grp = _days_and_slots(dw)
    for day in (-1, 7):
        d = assert_ok(dw.partition(grp, ["v"], ["user", "day"], ["u", day], limit=2))
        assert d["features"] == [] and "nextPageToken" not in d
    d = assert_ok(dw.partition(grp, ["v"], ["seq", "user", "day"], [3, "u", 4]))
    assert d["features"] == [[403]] and "nextPageToken" not in d
    d = assert_ok(dw.partition(grp, ["user", "day", "v"], ["day", "user"], [2, "w"]))
    assert d["features"] == [["w", 2, 9]]


def test_darwin_prefix_skips_rows_without_requested_values(server):
    dw = Ofs(server, "darwin")
    grp = _days_and_slots(dw)
    write_ok(dw, grp, ["user", "day", "seq", "note"], [["u", 1, 7, "only a note"]])
    pages = _pages(dw, grp, ["seq", "v"], ["user", "day"], ["u", 1], limit=4)
    assert [r for p in pages for r in p] == [[s, 100 + s] for s in range(7)]


@pytest.mark.parametrize("names,values", [(["user", "seq"], ["u", 1]), (["day"], [1]), (["user", "day"], ["u"]),
                                          (["user", "day", "day"], ["u", 1, 1]), (["user", "day"], ["u", "one"])],
                         ids=["gap", "no_partition_key", "value_missing", "duplicate", "bad_value"])
def test_darwin_prefix_refused(server, names, values):
    dw = Ofs(server, "darwin")
    grp = _days_and_slots(dw)
    assert_error(dw.partition(grp, ["v"], names, values), 400, SCHEMA)


def test_v1_partition_read_takes_only_the_partition_key(server):
    v1 = Ofs(server, "v1")
    grp = _days_and_slots(v1)
    assert_error(v1.partition(grp, ["v"], ["user", "day"], ["u", 1]), 400, SCHEMA)
