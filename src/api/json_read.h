#pragma once
// Request decoding over simdjson On-Demand (no DOM): parsing happens in place on the padded request
// body. Request keys match case-insensitively and unknown keys are ignored (API.md section 1).
//
// Decoders that need one field before another (e.g. a group's schema before its rows) capture the
// later field's raw JSON span and re-parse it with another per-thread parser slot; spans point into
// the original padded body, so re-parsing needs no copy.
//
// Lifetime: string_views produced from a parser slot stay valid until that slot parses again on this
// thread. Slots: 0 = whole body, 1..kParserSlots-1 = nested spans (a distinct slot per nesting level).

#include <simdjson.h>

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "codec/value_codec.h"

namespace ofs::api {

namespace od = simdjson::ondemand;
// A value as iteration yields it: errors (malformed JSON found lazily) travel inside it and surface as a
// Status from the readers below. OFS builds with SIMDJSON_EXCEPTIONS=0, so nothing here can throw.
using JsonValue = simdjson::simdjson_result<od::value>;

inline constexpr int kParserSlots = 5;

// The per-thread parser of a slot.
od::parser& ThreadParser(int slot);

// Maps a simdjson error to a Status: INCORRECT_TYPE and friends -> `shape_code` with a message naming
// `what`; malformed JSON -> INVALID_REQUEST.
Status JsonError(simdjson::error_code error, ErrorCode shape_code, std::string_view what);

// Starts iterating `json` (which must be followed by simdjson::SIMDJSON_PADDING readable bytes) as a
// document whose root must be an object. Stray text after the root is INVALID_REQUEST "trailing
// content"; a second document ({...}{...}) is found only by ExpectDocumentEnd once the root is read:
// prefer ForEachRootField, which does both.
Status IterateObject(std::string_view json, int slot, od::document* doc, od::object* out,
                     ErrorCode shape_code, std::string_view what = "request body");
// Same for a root array.
Status IterateArray(std::string_view json, int slot, od::document* doc, od::array* out, ErrorCode shape_code,
                    std::string_view what);

// Field readers. `what` names the field in error messages.
Status ReadString(JsonValue value, std::string_view* out, ErrorCode shape_code, std::string_view what);
// A string or null (null -> empty view and *present = false).
Status ReadOptionalString(JsonValue value, std::string_view* out, bool* present, ErrorCode shape_code,
                          std::string_view what);
Status ReadInt64(JsonValue value, int64_t* out, ErrorCode shape_code, std::string_view what);
Status ReadBool(JsonValue value, bool* out, ErrorCode shape_code, std::string_view what);
Status ReadStringArray(JsonValue value, std::vector<std::string_view>* out, ErrorCode shape_code,
                       std::string_view what);
// The raw JSON text of an array or object value (a span of the parsed buffer).
Status ReadRawContainer(JsonValue value, std::string_view* out, ErrorCode shape_code, std::string_view what);

// Converts a scalar to the codec's library-independent form. Objects/arrays give Kind::kOther. A token
// that is not JSON (NaN, Infinity, -Infinity, 01, +1) fails the whole request with INVALID_REQUEST,
// whatever its sign; a well-formed number out of a type's range fails only its row (in the codec).
// `raw` receives the value's raw JSON text (strings keep their quotes and escapes) for echoing.
Status ReadScalar(JsonValue value, codec::JsonScalar* out, std::string_view* raw);

// The same readers for a value already extracted from its result (e.g. with `.get(value)`).
inline Status ReadString(od::value value, std::string_view* out, ErrorCode shape_code,
                         std::string_view what) {
  return ReadString(JsonValue(od::value(value)), out, shape_code, what);
}
inline Status ReadOptionalString(od::value value, std::string_view* out, bool* present, ErrorCode shape_code,
                                 std::string_view what) {
  return ReadOptionalString(JsonValue(od::value(value)), out, present, shape_code, what);
}
inline Status ReadInt64(od::value value, int64_t* out, ErrorCode shape_code, std::string_view what) {
  return ReadInt64(JsonValue(od::value(value)), out, shape_code, what);
}
inline Status ReadBool(od::value value, bool* out, ErrorCode shape_code, std::string_view what) {
  return ReadBool(JsonValue(od::value(value)), out, shape_code, what);
}
inline Status ReadStringArray(od::value value, std::vector<std::string_view>* out, ErrorCode shape_code,
                              std::string_view what) {
  return ReadStringArray(JsonValue(od::value(value)), out, shape_code, what);
}
inline Status ReadRawContainer(od::value value, std::string_view* out, ErrorCode shape_code,
                               std::string_view what) {
  return ReadRawContainer(JsonValue(od::value(value)), out, shape_code, what);
}
inline Status ReadScalar(od::value value, codec::JsonScalar* out, std::string_view* raw) {
  return ReadScalar(JsonValue(od::value(value)), out, raw);
}

// Calls `each(key, JsonValue) -> Status` for every field of `object`, in document order, stopping at the
// first error; a malformed key is reported with `code` and `what`. A template (no std::function), so the
// request hot path allocates nothing.
template <typename Visitor>
Status ForEachField(od::object& object, ErrorCode code, std::string_view what, Visitor&& each) {
  for (auto field : object) {
    std::string_view key;
    auto error = field.unescaped_key().get(key);
    if (error) return JsonError(error, code, what);
    OFS_RETURN_IF_ERROR(each(key, field.value()));
  }
  return Status::Ok();
}

// True when `text` is a number in the JSON grammar (RFC 8259): -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
// (no NaN, Infinity, '+' sign or leading zeros).
bool IsJsonNumber(std::string_view text);

// Call once the root container of `doc` (iterating `json`) has been read to its end: INVALID_REQUEST
// "trailing content" unless only whitespace follows it. On-Demand reads only as far as a decoder
// iterates, so a second document after the first would otherwise pass unseen. One pointer check.
Status ExpectDocumentEnd(od::document& doc, std::string_view json, std::string_view what = "request body");

// Iterates every field of the root object of `json` (see IterateObject and ForEachField), then checks
// that nothing follows the object (ExpectDocumentEnd): the way to decode a whole request body.
template <typename Visitor>
Status ForEachRootField(std::string_view json, int slot, ErrorCode code, std::string_view what,
                        Visitor&& each) {
  od::document doc;
  od::object root;
  OFS_RETURN_IF_ERROR(IterateObject(json, slot, &doc, &root, code, what));
  OFS_RETURN_IF_ERROR(ForEachField(root, code, what, each));
  return ExpectDocumentEnd(doc, json, what);
}

// Text with trailing JSON whitespace removed (raw tokens may carry it).
std::string_view TrimJsonWhitespace(std::string_view s);

}  // namespace ofs::api
