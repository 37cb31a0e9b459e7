#include "model/data_type.h"

#include <array>

#include "base/strings.h"

namespace ofs::model {
namespace {

constexpr std::array<std::string_view, kDataTypeCount> kNames = {
    "TEXT", "ASCII",  "VARCHAR",   "BLOB",     "BOOLEAN", "DECIMAL", "DOUBLE", "FLOAT",
    "INT",  "BIGINT", "TIMESTAMP", "TIMEUUID", "UUID",    "INET",    "VARINT"};

}  // namespace

std::string_view DataTypeName(DataType type) { return kNames[static_cast<size_t>(type)]; }

std::optional<DataType> ParseDataType(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (EqualsIgnoreCase(kNames[i], name)) return static_cast<DataType>(i);
  }
  return std::nullopt;
}

}  // namespace ofs::model
