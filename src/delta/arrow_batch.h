#pragma once
// A read-only view of Arrow C Data Interface batches (native/delta/include/ofs_delta.h declares the ABI):
// the columns of a record batch exported as a struct array, and null checks. No Arrow library: the C
// Data Interface is a stable ABI meant to be read directly, and the populator needs only the flat types
// a Delta column maps to (value conversion: arrow_value.h).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ofs_delta.h"

namespace ofs::delta {

// A column as the schema describes it: name, Arrow format string (e.g. "l", "u", "tsu:UTC", "d:10,2").
struct ArrowField {
  std::string name;
  std::string format;
  bool nullable = true;
};

// One column of a batch: its array (values at `offset` + row) and format.
struct ArrowColumn {
  const ArrowArray* array = nullptr;
  std::string_view format;

  bool IsNull(int64_t row) const {
    if (array->null_count == 0 || array->n_buffers == 0 || array->buffers[0] == nullptr) return false;
    const int64_t bit = array->offset + row;
    const auto* validity = static_cast<const uint8_t*>(array->buffers[0]);
    return (validity[bit >> 3] & (1u << (bit & 7))) == 0;
  }
  template <typename T>
  T Fixed(int64_t row) const {
    return static_cast<const T*>(array->buffers[1])[array->offset + row];
  }
  bool Bit(int64_t row) const {
    const int64_t bit = array->offset + row;
    return (static_cast<const uint8_t*>(array->buffers[1])[bit >> 3] & (1u << (bit & 7))) != 0;
  }
  // A variable-width value (utf8 / binary with 32-bit offsets, large_* with 64-bit ones).
  template <typename Offset>
  std::string_view Bytes(int64_t row) const {
    const auto* offsets = static_cast<const Offset*>(array->buffers[1]);
    const int64_t at = array->offset + row;
    return {static_cast<const char*>(array->buffers[2]) + offsets[at],
            static_cast<size_t>(offsets[at + 1] - offsets[at])};
  }
  // A fixed-size binary value of `width` bytes.
  std::string_view FixedBytes(int64_t row, size_t width) const {
    return {static_cast<const char*>(array->buffers[1]) + (array->offset + row) * static_cast<int64_t>(width),
            width};
  }
};

// One record batch (a struct array) and the schema it was read with; owns and releases the array.
class ArrowBatch {
 public:
  ArrowBatch(ArrowArray array, const std::vector<ArrowField>* fields) : array_(array), fields_(fields) {}
  ~ArrowBatch() {
    if (array_.release != nullptr) array_.release(&array_);
  }
  ArrowBatch(const ArrowBatch&) = delete;
  ArrowBatch& operator=(const ArrowBatch&) = delete;

  int64_t rows() const { return array_.length; }
  size_t column_count() const { return static_cast<size_t>(array_.n_children); }
  // Column i; its array's offset already includes the batch's own (struct) offset when that is 0, the
  // only layout arrow-rs exports for a record batch (checked by the reader).
  ArrowColumn column(size_t i) const { return {array_.children[i], (*fields_)[i].format}; }
  const ArrowField& field(size_t i) const { return (*fields_)[i]; }

 private:
  ArrowArray array_;
  const std::vector<ArrowField>* fields_;
};

}  // namespace ofs::delta
