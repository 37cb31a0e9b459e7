#pragma once
// Arrow column values -> canonical OFS value bytes (codec/value_codec.h), straight from the Arrow
// buffers (no JSON on the way). Which Arrow (Delta) types feed which of the 15 OFS types:
//
//   TEXT, VARCHAR       utf8, large_utf8 (Delta string)
//   ASCII               utf8, large_utf8; a non-ASCII value fails its row
//   BLOB                binary, large_binary, fixed_size_binary (Delta binary)
//   BOOLEAN             bool
//   INT                 int8..int32, uint8, uint16; int64, uint32, uint64 when the value fits
//   BIGINT              every integer type (uint64 when it fits)
//   TIMESTAMP           timestamp (any unit, any time zone: epoch ms, sub-ms truncated toward the past),
//                       date32 / date64 (midnight UTC), and integers as epoch milliseconds
//   FLOAT, DOUBLE       float32, float64 (FLOAT: when within float range), integers; NaN and infinities fail
//   DECIMAL             decimal128, integers, float32 / float64 (finite)
//   VARINT              integers, decimal128 with a zero fraction
//   UUID, TIMEUUID      utf8 (the text form), fixed_size_binary(16)
//   INET                utf8 (an address literal), binary of 4 or 16 bytes
//
// Any other pair is a schema mismatch, found before any row is read (For). A value that does not
// convert fails its row with a reason (Append). Nulls are the caller's (ArrowColumn::IsNull).

#include <cstdint>
#include <string>

#include "base/status.h"
#include "delta/arrow_batch.h"
#include "model/data_type.h"

namespace ofs::delta {

class ValueConverter {
 public:
  // The converter from `field`'s Arrow type to `type`, or INVALID-REQUEST-EXCEPTION naming the column
  // and both types when the pair is not in the table above.
  static Result<ValueConverter> For(const ArrowField& field, model::DataType type);

  // Appends the canonical bytes of the (non-null) value at `row`. On failure appends nothing, sets
  // *reason and returns false.
  bool Append(const ArrowColumn& column, int64_t row, std::string* out, std::string* reason) const;

  model::DataType type() const { return type_; }

 private:
  enum class Source : uint8_t {
    kInt8,
    kUint8,
    kInt16,
    kUint16,
    kInt32,
    kUint32,
    kInt64,
    kUint64,
    kFloat32,
    kFloat64,
    kBool,
    kUtf8,
    kLargeUtf8,
    kBinary,
    kLargeBinary,
    kFixedBinary,
    kDecimal128,
    kDate32,
    kDate64,
    kTimestamp,
  };
  ValueConverter(Source source, model::DataType type) : source_(source), type_(type) {}

  Source source_;
  model::DataType type_;
  int32_t width_ = 0;        // fixed_size_binary: bytes per value
  int32_t scale_ = 0;        // decimal: digits after the point
  int64_t unit_per_ms_ = 1;  // timestamp: units per millisecond (s: 0 = multiply by 1000)
};

}  // namespace ofs::delta
