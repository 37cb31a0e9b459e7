#pragma once
// Canonical value bytes (codec/value_codec.h) <-> the driver bridge's typed values (ofs_cql.h), per OFS
// type. Exact both ways: VARINT's canonical decimal text <-> two's-complement big-endian bytes, DECIMAL's
// canonical text <-> unscaled two's-complement bytes and a scale. Thread-safe, no shared state.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/data_type.h"
#include "ofs_cql.h"

namespace ofs::storage::cassandra {

// The values bound to one statement. Each value points at the canonical bytes it was made from (which
// must outlive the call that sends them) or at bytes this object owns (VARINT, DECIMAL), on the heap, so
// that moving the object keeps them where they are. Move-only: a copy would point at the original's.
class BoundValues {
 public:
  BoundValues() = default;
  BoundValues(BoundValues&&) noexcept = default;
  BoundValues& operator=(BoundValues&&) noexcept = default;
  BoundValues(const BoundValues&) = delete;
  BoundValues& operator=(const BoundValues&) = delete;

  // Appends the value of a column of `type`. Malformed canonical bytes (a width that does not fit the
  // type) are a broken caller contract: kInternal.
  Status Add(model::DataType type, std::string_view canonical);
  void AddInt(int32_t v);
  void AddUnset();
  std::span<const ofs_cql_value> values() const { return values_; }
  size_t size() const { return values_.size(); }

 private:
  std::vector<ofs_cql_value> values_;
  std::vector<std::unique_ptr<std::string>> owned_;
};

// Appends the canonical bytes of `value` (not null) read from a column that the catalog says is `type`.
// The CQL type of the value must fit: text, ascii and varchar are interchangeable for the string types,
// a timeuuid is read as a UUID; anything else is kInternal naming both types.
Status AppendCanonical(model::DataType type, const ofs_cql_value& value, std::string* out);

// The exact conversions, exposed for tests.
namespace detail {

// Canonical VARINT text (-?[0-9]+) -> minimal two's-complement big-endian bytes. False for other text.
bool VarintTextToBytes(std::string_view text, std::string* out);
// Two's-complement big-endian bytes (at least one, at most kMaxNumberBytes) -> canonical VARINT text.
bool VarintBytesToText(std::string_view bytes, std::string* out);
// DECIMAL text in the JSON number grammar (canonical: no exponent; an exponent is accepted) -> unscaled
// bytes and scale (value = unscaled * 10^-scale). False for other text or a scale beyond int32.
bool DecimalTextToUnscaled(std::string_view text, std::string* unscaled, int32_t* scale);
// Unscaled bytes and scale -> canonical DECIMAL text ("1500", "1.5", "0.0015", "-2"): false when the
// text would need more than 1000 digits (OFS's DECIMAL bound) or the bytes are empty or too many.
bool UnscaledToDecimalText(std::string_view unscaled, int32_t scale, std::string* out);

// Bytes of a VARINT or unscaled DECIMAL this conversion reads at most (about 39k decimal digits): the
// decimal conversion is quadratic, and a value of OFS's never needs more.
inline constexpr size_t kMaxNumberBytes = 16 * 1024;

}  // namespace detail
}  // namespace ofs::storage::cassandra
