#pragma once
// The 15 CQL value types a feature column can have (API.md section 2).

#include <optional>
#include <string_view>

namespace ofs::model {

enum class DataType : uint8_t {
  kText,
  kAscii,
  kVarchar,
  kBlob,
  kBoolean,
  kDecimal,
  kDouble,
  kFloat,
  kInt,
  kBigint,
  kTimestamp,
  kTimeuuid,
  kUuid,
  kInet,
  kVarint,
};

inline constexpr int kDataTypeCount = 15;

// Upper-case CQL name, e.g. "BIGINT".
std::string_view DataTypeName(DataType type);
// Case-insensitive parse of a type name; nullopt when unknown.
std::optional<DataType> ParseDataType(std::string_view name);

}  // namespace ofs::model
