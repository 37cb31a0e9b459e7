//! Typed values across the C ABI: `ofs_cql_value` (a type tag with a scalar or bytes payload) to and
//! from the driver's `CqlValue`. The driver serializes and deserializes; nothing here touches the wire
//! format.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use scylla::frame::response::result::{ColumnType, NativeType};
use scylla::value::{CqlDecimal, CqlTimestamp, CqlTimeuuid, CqlValue, CqlVarint, MaybeUnset};
use uuid::Uuid;

pub const T_NULL: i32 = 0;
pub const T_UNSET: i32 = 1;
pub const T_TEXT: i32 = 2;
pub const T_ASCII: i32 = 3;
pub const T_BLOB: i32 = 4;
pub const T_BOOLEAN: i32 = 5;
pub const T_INT: i32 = 6;
pub const T_BIGINT: i32 = 7;
pub const T_FLOAT: i32 = 8;
pub const T_DOUBLE: i32 = 9;
pub const T_TIMESTAMP: i32 = 10;
pub const T_UUID: i32 = 11;
pub const T_TIMEUUID: i32 = 12;
pub const T_INET: i32 = 13;
pub const T_VARINT: i32 = 14;
pub const T_DECIMAL: i32 = 15;
pub const T_OTHER: i32 = 16;

/// `ofs_cql_value` of ofs_cql.h.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct OfsCqlValue {
    pub type_: i32,
    pub scale: i32,
    pub i64_: i64,
    pub f64_: f64,
    pub data: *const u8,
    pub len: usize,
}

impl OfsCqlValue {
    pub fn null() -> Self {
        OfsCqlValue {
            type_: T_NULL,
            scale: 0,
            i64_: 0,
            f64_: 0.0,
            data: std::ptr::null(),
            len: 0,
        }
    }
}

/// A bound value as the driver takes it: unset, null or a value.
pub type Bound = MaybeUnset<Option<CqlValue>>;

/// The bytes of a value.
///
/// # Safety
/// `v.data` must point to `v.len` readable bytes when `v.len > 0`.
unsafe fn bytes(v: &OfsCqlValue) -> Result<&[u8], String> {
    if v.len == 0 {
        return Ok(&[]);
    }
    if v.data.is_null() {
        return Err("value has a length but no data".into());
    }
    Ok(std::slice::from_raw_parts(v.data, v.len))
}

fn fixed<const N: usize>(b: &[u8], what: &str) -> Result<[u8; N], String> {
    b.try_into()
        .map_err(|_| format!("{what} needs {N} bytes, got {}", b.len()))
}

/// Converts one C value into what the driver binds.
///
/// # Safety
/// As `bytes`.
pub unsafe fn to_bound(v: &OfsCqlValue) -> Result<Bound, String> {
    let b = bytes(v)?;
    let value = match v.type_ {
        T_UNSET => return Ok(MaybeUnset::Unset),
        T_NULL => return Ok(MaybeUnset::Set(None)),
        T_TEXT => CqlValue::Text(String::from_utf8(b.to_vec()).map_err(|_| "TEXT is not UTF-8")?),
        T_ASCII => {
            if !b.is_ascii() {
                return Err("ASCII value has a byte >= 0x80".into());
            }
            CqlValue::Ascii(String::from_utf8(b.to_vec()).map_err(|_| "ASCII is not UTF-8")?)
        }
        T_BLOB => CqlValue::Blob(b.to_vec()),
        T_BOOLEAN => CqlValue::Boolean(v.i64_ != 0),
        T_INT => CqlValue::Int(i32::try_from(v.i64_).map_err(|_| "INT out of range")?),
        T_BIGINT => CqlValue::BigInt(v.i64_),
        T_FLOAT => CqlValue::Float(v.f64_ as f32),
        T_DOUBLE => CqlValue::Double(v.f64_),
        T_TIMESTAMP => CqlValue::Timestamp(CqlTimestamp(v.i64_)),
        T_UUID => CqlValue::Uuid(Uuid::from_bytes(fixed::<16>(b, "UUID")?)),
        T_TIMEUUID => CqlValue::Timeuuid(CqlTimeuuid::from(Uuid::from_bytes(fixed::<16>(b, "TIMEUUID")?))),
        T_INET => match b.len() {
            4 => CqlValue::Inet(IpAddr::V4(Ipv4Addr::from(fixed::<4>(b, "INET")?))),
            16 => CqlValue::Inet(IpAddr::V6(Ipv6Addr::from(fixed::<16>(b, "INET")?))),
            n => return Err(format!("INET needs 4 or 16 bytes, got {n}")),
        },
        T_VARINT => {
            if b.is_empty() {
                return Err("VARINT needs at least one byte".into());
            }
            CqlValue::Varint(CqlVarint::from_signed_bytes_be_slice(b))
        }
        T_DECIMAL => {
            if b.is_empty() {
                return Err("DECIMAL needs at least one byte of unscaled value".into());
            }
            CqlValue::Decimal(CqlDecimal::from_signed_be_bytes_slice_and_exponent(b, v.scale))
        }
        t => return Err(format!("unknown value type tag {t}")),
    };
    Ok(MaybeUnset::Set(Some(value)))
}

/// The tag of a column type (T_OTHER for the CQL types OFS does not use).
pub fn column_tag(t: &ColumnType) -> i32 {
    match t {
        ColumnType::Native(n) => match n {
            NativeType::Ascii => T_ASCII,
            NativeType::Boolean => T_BOOLEAN,
            NativeType::Blob => T_BLOB,
            NativeType::Decimal => T_DECIMAL,
            NativeType::Double => T_DOUBLE,
            NativeType::Float => T_FLOAT,
            NativeType::Int => T_INT,
            NativeType::BigInt => T_BIGINT,
            NativeType::Text => T_TEXT,
            NativeType::Timestamp => T_TIMESTAMP,
            NativeType::Inet => T_INET,
            NativeType::Timeuuid => T_TIMEUUID,
            NativeType::Uuid => T_UUID,
            NativeType::Varint => T_VARINT,
            _ => T_OTHER,
        },
        _ => T_OTHER,
    }
}

/// A value decoded from a result, its bytes at `offset` in the result's arena until the arena is final.
pub struct Cell {
    pub type_: i32,
    pub scale: i32,
    pub i64_: i64,
    pub f64_: f64,
    pub offset: usize,
    pub len: usize,
}

/// Appends the decoded form of `v` (None = null) to `arena` and returns its cell.
pub fn decode(v: Option<&CqlValue>, arena: &mut Vec<u8>) -> Cell {
    let mut cell = Cell {
        type_: T_NULL,
        scale: 0,
        i64_: 0,
        f64_: 0.0,
        offset: arena.len(),
        len: 0,
    };
    let mut put = |cell: &mut Cell, b: &[u8]| {
        arena.extend_from_slice(b);
        cell.len = b.len();
    };
    let Some(v) = v else { return cell };
    match v {
        CqlValue::Text(s) => {
            cell.type_ = T_TEXT;
            put(&mut cell, s.as_bytes());
        }
        CqlValue::Ascii(s) => {
            cell.type_ = T_ASCII;
            put(&mut cell, s.as_bytes());
        }
        CqlValue::Blob(b) => {
            cell.type_ = T_BLOB;
            put(&mut cell, b);
        }
        CqlValue::Boolean(b) => {
            cell.type_ = T_BOOLEAN;
            cell.i64_ = *b as i64;
        }
        CqlValue::Int(i) => {
            cell.type_ = T_INT;
            cell.i64_ = *i as i64;
        }
        CqlValue::BigInt(i) => {
            cell.type_ = T_BIGINT;
            cell.i64_ = *i;
        }
        CqlValue::Float(f) => {
            cell.type_ = T_FLOAT;
            cell.f64_ = *f as f64;
        }
        CqlValue::Double(f) => {
            cell.type_ = T_DOUBLE;
            cell.f64_ = *f;
        }
        CqlValue::Timestamp(t) => {
            cell.type_ = T_TIMESTAMP;
            cell.i64_ = t.0;
        }
        CqlValue::Uuid(u) => {
            cell.type_ = T_UUID;
            put(&mut cell, u.as_bytes());
        }
        CqlValue::Timeuuid(u) => {
            cell.type_ = T_TIMEUUID;
            put(&mut cell, u.as_bytes());
        }
        CqlValue::Inet(IpAddr::V4(a)) => {
            cell.type_ = T_INET;
            put(&mut cell, &a.octets());
        }
        CqlValue::Inet(IpAddr::V6(a)) => {
            cell.type_ = T_INET;
            put(&mut cell, &a.octets());
        }
        CqlValue::Varint(v) => {
            cell.type_ = T_VARINT;
            put(&mut cell, v.as_signed_bytes_be_slice());
        }
        CqlValue::Decimal(d) => {
            let (b, scale) = d.as_signed_be_bytes_slice_and_exponent();
            cell.type_ = T_DECIMAL;
            cell.scale = scale;
            put(&mut cell, b);
        }
        _ => cell.type_ = T_OTHER,
    }
    cell
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_bytes(type_: i32, b: &[u8]) -> OfsCqlValue {
        OfsCqlValue {
            type_,
            scale: 0,
            i64_: 0,
            f64_: 0.0,
            data: b.as_ptr(),
            len: b.len(),
        }
    }

    fn round_trip(v: &OfsCqlValue) -> (Cell, Vec<u8>) {
        let bound = unsafe { to_bound(v) }.expect("converts");
        let MaybeUnset::Set(value) = bound else {
            panic!("unset")
        };
        let mut arena = Vec::new();
        let cell = decode(value.as_ref(), &mut arena);
        (cell, arena)
    }

    #[test]
    fn bytes_types_round_trip() {
        let inet6 = [0u8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
        let cases: Vec<(i32, Vec<u8>)> = vec![
            (T_TEXT, "h\u{e9}llo\0".as_bytes().to_vec()),
            (T_ASCII, b"plain".to_vec()),
            (T_BLOB, vec![0, 255, 7]),
            (T_UUID, inet6.to_vec()),
            (T_TIMEUUID, inet6.to_vec()),
            (T_INET, vec![127, 0, 0, 1]),
            (T_INET, inet6.to_vec()),
            (T_VARINT, vec![0x80, 0]),
        ];
        for (t, b) in cases {
            let (cell, arena) = round_trip(&with_bytes(t, &b));
            assert_eq!(cell.type_, t);
            assert_eq!(&arena[cell.offset..cell.offset + cell.len], &b[..]);
        }
    }

    #[test]
    fn decimal_keeps_scale() {
        let mut v = with_bytes(T_DECIMAL, &[0xff, 0x85]);
        v.scale = -7;
        let (cell, arena) = round_trip(&v);
        assert_eq!((cell.type_, cell.scale), (T_DECIMAL, -7));
        assert_eq!(&arena[..], &[0xff, 0x85]);
    }

    #[test]
    fn scalars_round_trip() {
        for (t, i) in [
            (T_BOOLEAN, 1),
            (T_INT, -5),
            (T_BIGINT, i64::MIN),
            (T_TIMESTAMP, -1),
        ] {
            let mut v = OfsCqlValue::null();
            v.type_ = t;
            v.i64_ = i;
            let (cell, _) = round_trip(&v);
            assert_eq!((cell.type_, cell.i64_), (t, i));
        }
        let mut v = OfsCqlValue::null();
        v.type_ = T_FLOAT;
        v.f64_ = 1.5;
        assert_eq!(round_trip(&v).0.f64_, 1.5);
    }

    #[test]
    fn rejects_malformed_values() {
        assert!(unsafe { to_bound(&with_bytes(T_INET, &[1, 2, 3])) }.is_err());
        assert!(unsafe { to_bound(&with_bytes(T_UUID, &[1])) }.is_err());
        assert!(unsafe { to_bound(&with_bytes(T_TEXT, &[0xff])) }.is_err());
        assert!(unsafe { to_bound(&with_bytes(T_ASCII, "\u{e9}".as_bytes())) }.is_err());
        assert!(unsafe { to_bound(&with_bytes(T_VARINT, &[])) }.is_err());
        assert!(unsafe { to_bound(&with_bytes(99, &[])) }.is_err());
        let mut big = OfsCqlValue::null();
        big.type_ = T_INT;
        big.i64_ = 1 << 40;
        assert!(unsafe { to_bound(&big) }.is_err());
        let dangling = OfsCqlValue {
            type_: T_BLOB,
            scale: 0,
            i64_: 0,
            f64_: 0.0,
            data: std::ptr::null(),
            len: 3,
        };
        assert!(unsafe { to_bound(&dangling) }.is_err());
    }
}
