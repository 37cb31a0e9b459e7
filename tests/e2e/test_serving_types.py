"""The 15 data types: value conversion on write and read, as value columns and as key columns.

API.md sections covered: 2 (DataType table: accepted on write / returned on read, null fails the row, NaN and
infinities rejected), 3 (write: rows that do not convert go to failedRows with HTTP 200 while good rows of the
same request succeed; read: failedKeys for keys that do not convert, `key` echoes the request row).
"""

import base64
import decimal
import itertools
import json
import re

import pytest

from e2e_support import (
    ALL_TYPES, Ofs, assert_error, assert_ok, b64, f32, found_map, make_entity, make_group, read_data, read_one,
    same_inet, uniq, write_ok,
)

_ids = itertools.count(1)

V40 = 1234567890123456789012345678901234567890
TS_LEAP = 1709208000000  # 2024-02-29T12:00:00Z
UUID_V1 = "e4e7c0a0-a6a1-11ee-8c90-0242ac120002"
UUID_V4 = "123e4567-e89b-42d3-a456-426614174000"
UUID_ANY = "123e4567-e89b-12d3-a456-426614174000"


def colname(t):
    return f"c_{t.lower()}"


@pytest.fixture(scope="module")
def types_group(server):
    """Entity keyed by id BIGINT; one group with one column per data type."""
    ofs = Ofs(server, "v1")
    ent = make_entity(ofs, uniq("types_ent"), features=[("id", "BIGINT")], keys=["id"])
    grp = make_group(ofs, ent, uniq("types_fg"), features=[(colname(t), t) for t in ALL_TYPES])
    return grp


# ------------------------------------------------------------------------------------------------
# checkers: how a read value must compare with what was written
# ------------------------------------------------------------------------------------------------

class Exact:
    def __init__(self, v):
        self.v = v

    def check(self, got, raw):
        if isinstance(self.v, bool) or isinstance(got, bool):
            return got is self.v
        if isinstance(self.v, int) and not isinstance(got, int):
            return False
        return got == self.v

    def __repr__(self):
        return f"Exact({self.v!r})"


class Num(Exact):
    """A number equal to v (an integer-valued number may come back as 7 or 7.0)."""

    def check(self, got, raw):
        return isinstance(got, (int, float)) and not isinstance(got, bool) and got == self.v


class F32(Exact):
    def check(self, got, raw):
        return isinstance(got, (int, float)) and not isinstance(got, bool) and f32(got) == f32(self.v)


class RawInt(Exact):
    """An integer, exact, and printed as those digits in the response text."""

    def check(self, got, raw):
        if not (isinstance(got, int) and not isinstance(got, bool) and got == self.v):
            return False
        return re.search(r'(?<![0-9."])' + re.escape(str(self.v)) + r'(?![0-9."eE])', raw) is not None


class Blob(Exact):
    def check(self, got, raw):
        try:
            return isinstance(got, str) and base64.b64decode(got, validate=True) == self.v
        except ValueError:
            return False


class Uuid(Exact):
    def check(self, got, raw):
        return isinstance(got, str) and got.lower() == self.v.lower()


class Inet(Exact):
    def check(self, got, raw):
        try:
            return isinstance(got, str) and same_inet(got, self.v)
        except ValueError:
            return False


GOOD = [
    ("TEXT", "hello", Exact("hello")),
    ("TEXT", "héllo wörld ✓ 日本語 🎉", Exact("héllo wörld ✓ 日本語 🎉")),
    ("TEXT", 'quote " backslash \\ newline \n tab \t slash /', Exact('quote " backslash \\ newline \n tab \t slash /')),
    ("TEXT", "\u0001\u001f\u007f control", Exact("\u0001\u001f\u007f control")),
    ("TEXT", "", Exact("")),
    ("TEXT", "x" * 70000, Exact("x" * 70000)),
    ("ASCII", "plain ASCII ~!@#$%^&*()_+{}|:<>?", Exact("plain ASCII ~!@#$%^&*()_+{}|:<>?")),
    ("VARCHAR", "varchar ✓", Exact("varchar ✓")),
    ("BLOB", b64(bytes(range(256))), Blob(bytes(range(256)))),
    ("BLOB", "AA==", Blob(b"\x00")),
    ("BOOLEAN", True, Exact(True)),
    ("BOOLEAN", False, Exact(False)),
    ("BOOLEAN", "true", Exact(True)),
    ("BOOLEAN", "false", Exact(False)),
    ("DECIMAL", 3.14159, Num(3.14159)),
    ("DECIMAL", 42, Num(42)),
    ("DECIMAL", -0.001, Num(-0.001)),
    ("DOUBLE", 0.1, Num(0.1)),
    ("DOUBLE", 1.7976931348623157e308, Num(1.7976931348623157e308)),
    ("DOUBLE", 5e-324, Num(5e-324)),
    ("DOUBLE", -2.5e-300, Num(-2.5e-300)),
    ("DOUBLE", 7, Num(7.0)),
    ("DOUBLE", "2.5", Num(2.5)),
    ("DOUBLE", "-1e10", Num(-1e10)),
    ("FLOAT", 0.1, F32(0.1)),
    ("FLOAT", 16777217, F32(16777216.0)),
    ("FLOAT", "1.5", F32(1.5)),
    ("FLOAT", 3.4028234663852886e38, F32(3.4028234663852886e38)),
    ("INT", 2147483647, Exact(2147483647)),
    ("INT", -2147483648, Exact(-2147483648)),
    ("INT", 0, Exact(0)),
    ("INT", "123", Exact(123)),
    ("INT", "-7", Exact(-7)),
    ("BIGINT", 9007199254740993, RawInt(9007199254740993)),
    ("BIGINT", 9223372036854775807, RawInt(9223372036854775807)),
    ("BIGINT", -9223372036854775808, RawInt(-9223372036854775808)),
    ("BIGINT", "9007199254740993", RawInt(9007199254740993)),
    ("TIMESTAMP", TS_LEAP, Exact(TS_LEAP)),
    ("TIMESTAMP", "2024-02-29T12:00:00Z", Exact(TS_LEAP)),
    ("TIMESTAMP", 0, Exact(0)),
    ("TIMESTAMP", "1970-01-01T00:00:00Z", Exact(0)),
    ("TIMESTAMP", "1999-12-31T23:59:59Z", Exact(946684799000)),
    ("UUID", UUID_ANY, Uuid(UUID_ANY)),
    ("UUID", UUID_ANY.upper(), Uuid(UUID_ANY)),
    ("UUID", UUID_V1, Uuid(UUID_V1)),
    ("TIMEUUID", UUID_V1, Uuid(UUID_V1)),
    ("INET", "192.168.1.1", Inet("192.168.1.1")),
    ("INET", "0.0.0.0", Inet("0.0.0.0")),
    ("INET", "::1", Inet("::1")),
    ("INET", "2001:db8::1", Inet("2001:db8::1")),
    ("INET", "2001:0db8:0000:0000:0000:0000:0000:0001", Inet("2001:db8::1")),
    ("INET", "::ffff:10.0.0.1", Inet("::ffff:10.0.0.1")),
    ("VARINT", V40, RawInt(V40)),
    ("VARINT", -V40, RawInt(-V40)),
    ("VARINT", str(V40), RawInt(V40)),
    ("VARINT", 0, RawInt(0)),
    ("VARINT", 9223372036854775808, RawInt(9223372036854775808)),
    ("VARINT", 10 ** 60 + 7, RawInt(10 ** 60 + 7)),
]

GOOD_VALUE = {}
for _t, _v, _c in GOOD:
    GOOD_VALUE.setdefault(_t, (_v, _c))

BAD = [
    ("TEXT", 123),
    ("TEXT", {"a": 1}),
    ("TEXT", None),
    ("VARCHAR", 42),
    ("ASCII", "héllo"),
    ("ASCII", "日本"),
    ("BLOB", "@@@@"),
    ("BLOB", "not base64!"),
    ("BOOLEAN", "yes"),
    ("BOOLEAN", "tru"),
    ("BOOLEAN", None),
    ("DECIMAL", "abc"),
    ("DECIMAL", "NaN"),
    ("DECIMAL", True),
    ("DOUBLE", "NaN"),
    ("DOUBLE", "nan"),
    ("DOUBLE", "Infinity"),
    ("DOUBLE", "-Infinity"),
    ("DOUBLE", "abc"),
    ("DOUBLE", True),
    ("FLOAT", "NaN"),
    ("FLOAT", "Infinity"),
    ("FLOAT", "1.5x"),
    ("INT", 2147483648),
    ("INT", -2147483649),
    ("INT", "2147483648"),
    ("INT", 1.5),
    ("INT", "12x"),
    ("INT", "abc"),
    ("BIGINT", 9223372036854775808),
    ("BIGINT", -9223372036854775809),
    ("BIGINT", "9223372036854775808"),
    ("BIGINT", 1.5),
    ("BIGINT", "abc"),
    ("TIMESTAMP", "2024-02-30T12:00:00Z"),
    ("TIMESTAMP", "2023-02-29T12:00:00Z"),
    ("TIMESTAMP", "2024-13-01T00:00:00Z"),
    ("TIMESTAMP", "yesterday"),
    ("TIMESTAMP", True),
    ("UUID", "not-a-uuid"),
    ("UUID", "123e4567-e89b-12d3-a456-42661417400"),
    ("UUID", "123e4567-e89b-12d3-a456-4266141740zz"),
    ("TIMEUUID", UUID_V4),
    ("TIMEUUID", "not-a-uuid"),
    ("INET", "example.com"),
    ("INET", "localhost"),
    ("INET", "256.1.1.1"),
    ("INET", "1.2.3"),
    ("INET", "::g"),
    ("VARINT", "12x"),
    ("VARINT", 1.5),
    ("VARINT", "abc"),
]


def _id(case):
    t, v = case[0], case[1]
    s = repr(v)
    return f"{t}-{s[:40]}"


# ------------------------------------------------------------------------------------------------
# value columns
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("type_,value,checker", GOOD, ids=[_id(c) for c in GOOD])
def test_value_round_trip(server, types_group, type_, value, checker):
    ofs = Ofs(server, "v1")
    key = next(_ids)
    write_ok(ofs, types_group, ["id", colname(type_)], [[key, value]])
    r = ofs.read(types_group, [colname(type_)], ["id"], [[key]])
    d = assert_ok(r)
    assert len(d["successfulKeys"]) == 1, r.describe()
    got = d["successfulKeys"][0]["features"][0]
    assert checker.check(got, r.text), f"{type_} wrote {value!r}, read {got!r}, expected {checker!r}\n{r.describe()}"


@pytest.mark.parametrize("type_,value", BAD, ids=[_id(c) for c in BAD])
def test_bad_value_fails_row_only(server, types_group, type_, value):
    ofs = Ofs(server, "v1")
    good_key, bad_key = next(_ids), next(_ids)
    good_value, good_checker = GOOD_VALUE[type_]
    rows = [[good_key, good_value], [bad_key, value]]
    r = ofs.write(types_group, ["id", colname(type_)], rows)
    d = assert_ok(r)
    assert d["failedRows"] == [[bad_key, value]], r.describe()
    assert len(d["successfulRows"]) == 1, r.describe()
    rd = read_data(ofs, types_group, [colname(type_)], ["id"], [[good_key], [bad_key]])
    assert [sk["key"] for sk in rd["successfulKeys"]] == [[good_key]]
    assert rd["failedKeys"] == [[bad_key]]


def test_all_types_in_one_row(server, types_group):
    ofs = Ofs(server, "v1")
    key = next(_ids)
    names = ["id"] + [colname(t) for t in ALL_TYPES]
    row = [key] + [GOOD_VALUE[t][0] for t in ALL_TYPES]
    write_ok(ofs, types_group, names, [row])
    r = ofs.read(types_group, list(reversed(names[1:])), ["id"], [[key]])
    d = assert_ok(r)
    feats = d["successfulKeys"][0]["features"]
    for t, got in zip(reversed(ALL_TYPES), feats):
        assert GOOD_VALUE[t][1].check(got, r.text), (t, got)


def test_varint_forty_digits_exact_in_raw_text(server, types_group):
    ofs = Ofs(server, "v1")
    key = next(_ids)
    write_ok(ofs, types_group, ["id", "c_varint"], [[key, V40]])
    r = ofs.read(types_group, ["c_varint"], ["id"], [[key]])
    assert r.status == 200
    assert str(V40) in r.text and f'"{V40}"' not in r.text, r.text
    assert json.loads(r.raw)["data"]["successfulKeys"][0]["features"] == [V40]


def test_bigint_beyond_double_precision_exact(server, types_group):
    ofs = Ofs(server, "v1")
    key = next(_ids)
    write_ok(ofs, types_group, ["id", "c_bigint"], [[key, 9007199254740993]])
    r = ofs.read(types_group, ["c_bigint"], ["id"], [[key]])
    assert "9007199254740993" in r.text and "9007199254740992" not in r.text, r.text


def test_decimal_keeps_its_digits(server, types_group):
    ofs = Ofs(server, "v1")
    key = next(_ids)
    literal = "12345678901234567890.123456789"
    raw_body = ('{"featureGroupName": "%s", "features": {"names": ["id", "c_decimal"], "values": [[%d, %s]]}}'
                % (types_group, key, literal))
    d = assert_ok(ofs.write_raw(raw_body))
    assert d["failedRows"] == []
    r = ofs.read(types_group, ["c_decimal"], ["id"], [[key]])
    parsed = json.loads(r.raw, parse_float=decimal.Decimal, parse_int=decimal.Decimal)
    got = parsed["data"]["successfulKeys"][0]["features"][0]
    assert got == decimal.Decimal(literal), r.text


def test_float_returned_at_float_precision(server, types_group):
    ofs = Ofs(server, "v1")
    key = next(_ids)
    write_ok(ofs, types_group, ["id", "c_float", "c_double"], [[key, 0.1, 0.1]])
    f, dbl = read_one(ofs, types_group, ["c_float", "c_double"], ["id"], [key])
    assert f32(f) == f32(0.1)
    assert dbl == 0.1
    write_ok(ofs, types_group, ["id", "c_float"], [[key, 1.0000001192092896]])  # 1 + 2^-23: exact in float
    (got,) = read_one(ofs, types_group, ["c_float"], ["id"], [key])
    assert got != 1.0 and f32(got) == 1.0000001192092896
    write_ok(ofs, types_group, ["id", "c_float"], [[key, 1.00000001]])  # rounds to 1.0f
    (got,) = read_one(ofs, types_group, ["c_float"], ["id"], [key])
    assert f32(got) == 1.0


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_json_literals_never_stored(server, types_group, literal):
    """Non-standard JSON tokens: either the request is rejected as malformed, or the row fails."""
    ofs = Ofs(server, "v1")
    key = next(_ids)
    raw_body = ('{"featureGroupName": "%s", "features": {"names": ["id", "c_double"], "values": [[%d, %s]]}}'
                % (types_group, key, literal))
    r = ofs.write_raw(raw_body)
    if r.status == 200:
        assert r.body["data"]["failedRows"] != [], r.describe()
    else:
        assert_error(r, 400, codes={"INVALID_REQUEST", "WRITE-FEATURE-GROUP-REQUEST-EXCEPTION"})
    assert read_one(ofs, types_group, ["c_double"], ["id"], [key]) is None


def test_many_bad_rows_with_good_rows(server, types_group):
    ofs = Ofs(server, "v1")
    base = next(_ids) * 1000 + 10_000_000
    rows, expected_failed = [], []
    for i in range(50):
        if i % 5 == 0:
            row = [base + i, "not-an-int"]
            expected_failed.append(row)
        else:
            row = [base + i, i]
        rows.append(row)
    d = assert_ok(ofs.write(types_group, ["id", "c_int"], rows))
    assert sorted(d["failedRows"], key=json.dumps) == sorted(expected_failed, key=json.dumps)
    assert len(d["successfulRows"]) == 40
    rd = read_data(ofs, types_group, ["c_int"], ["id"], [[base + i] for i in range(50)])
    assert found_map(rd) == {(base + i,): [i] for i in range(50) if i % 5}


# ------------------------------------------------------------------------------------------------
# key columns of every type
# ------------------------------------------------------------------------------------------------

KEYS = [
    # type, written key, same key in another accepted form (or None), a different key
    ("TEXT", "k-1 ✓", None, "k-2"),
    ("ASCII", "k1", None, "k2"),
    ("VARCHAR", "v✓", None, "w"),
    ("BLOB", b64(b"\x00\x01key"), None, b64(b"other")),
    ("BOOLEAN", True, "true", False),
    ("DECIMAL", 1.5, None, 2.5),
    ("DOUBLE", -2.5, "-2.5", 2.5),
    ("FLOAT", 1.5, "1.5", 2.5),
    ("INT", -7, "-7", 7),
    ("BIGINT", 9007199254740993, "9007199254740993", 9007199254740992),
    ("TIMESTAMP", TS_LEAP, "2024-02-29T12:00:00Z", TS_LEAP + 1),
    ("TIMEUUID", UUID_V1, UUID_V1.upper(), "e4e7c0a1-a6a1-11ee-8c90-0242ac120002"),
    ("UUID", UUID_ANY, UUID_ANY.upper(), UUID_V4),
    ("INET", "10.0.0.1", None, "10.0.0.2"),
    ("VARINT", V40, str(V40), V40 + 1),
]


@pytest.mark.parametrize("type_,key,alt,other", KEYS, ids=[k[0] for k in KEYS])
def test_key_column_of_each_type(server, type_, key, alt, other):
    ofs = Ofs(server, "v1")
    ent = make_entity(ofs, uniq(f"key_{type_.lower()}"), features=[("k", type_), ("e", "TEXT")], keys=["k"])
    grp = make_group(ofs, ent, features=[("v", "INT")])
    write_ok(ofs, grp, ["k", "e", "v"], [[key, "entity-col", 1]])
    keys = [[key], [other]] + ([[alt]] if alt is not None else [])
    r = ofs.read(grp, ["v", "e"], ["k"], keys)
    d = assert_ok(r)
    got_keys = [sk["key"] for sk in d["successfulKeys"]]
    assert [key] in got_keys, r.describe()
    if alt is not None:
        assert [alt] in got_keys, f"{alt!r} names the same {type_} key as {key!r}\n{r.describe()}"
    assert all(sk["features"] == [1, "entity-col"] for sk in d["successfulKeys"])
    assert d["failedKeys"] == [[other]]
    p = assert_ok(ofs.partition(grp, ["v"], ["k"], [key]))
    assert p["features"] == [[1]]


def test_unconvertible_keys_of_typed_key(server):
    ofs = Ofs(server, "v1")
    ent = make_entity(ofs, features=[("k", "UUID"), ("t", "TIMESTAMP")], keys=["k", "t"])
    grp = make_group(ofs, ent, features=[("v", "INT")])
    write_ok(ofs, grp, ["k", "t", "v"], [[UUID_ANY, TS_LEAP, 5]])
    d = read_data(ofs, grp, ["v"], ["k", "t"], [[UUID_ANY, TS_LEAP], ["nope", TS_LEAP], [UUID_ANY, "noon"],
                                                 [UUID_ANY, "2024-02-29T12:00:00Z"]])
    assert [sk["key"] for sk in d["successfulKeys"]] == [[UUID_ANY, TS_LEAP], [UUID_ANY, "2024-02-29T12:00:00Z"]]
    assert sorted(d["failedKeys"], key=json.dumps) == sorted([["nope", TS_LEAP], [UUID_ANY, "noon"]],
                                                             key=json.dumps)
