#pragma once
// Internal to admin: field-by-field reading of JSON request objects over simdjson On-Demand (keys
// compared case-insensitively by the caller, unknown keys skipped, null treated as absent).
// Depends on api/json_read.h and the model only, so that the model decoders stay unit-testable.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "api/json_read.h"
#include "base/status.h"

namespace ofs::admin {

namespace od = api::od;

using FieldVisitor = std::function<Status(std::string_view key, od::value value)>;
// Calls `each` for every field of `object` in order (keys unescaped, compare them with
// EqualsIgnoreCase); stops at the first error. Values `each` does not consume are skipped.
Status ForEachField(od::object& object, ErrorCode code, std::string_view what, const FieldVisitor& each);
// ForEachField over the root object of a whole request body (parser slot 0), refusing anything after
// it (api::ForEachRootField).
Status ForEachRootField(std::string_view body, ErrorCode code, const FieldVisitor& each);
// True, with the token consumed, when `value` is JSON null.
bool IsNull(od::value& value);
// A string, or null (which leaves *out unchanged).
Status ReadOptionalText(od::value value, std::string* out, ErrorCode code, std::string_view what);
// "vN" normalized (lower-case v, no leading zeros); INVALID_REQUEST when malformed.
Result<std::string> NormalizeVersion(std::string_view version);
// An optional version string (null or "" = absent), normalized.
Status ReadOptionalVersion(od::value value, std::optional<std::string>* out, ErrorCode code);

}  // namespace ofs::admin
