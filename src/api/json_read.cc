#include "api/json_read.h"

#include <array>
#include <memory>

#include "base/strings.h"

namespace ofs::api {

od::parser& ThreadParser(int slot) {
  thread_local std::array<std::unique_ptr<od::parser>, kParserSlots> parsers;
  auto& p = parsers[static_cast<size_t>(slot)];
  if (!p) p = std::make_unique<od::parser>();
  return *p;
}

Status JsonError(simdjson::error_code error, ErrorCode shape_code, std::string_view what) {
  switch (error) {
    case simdjson::INCORRECT_TYPE:
    case simdjson::NUMBER_OUT_OF_RANGE:
    case simdjson::NO_SUCH_FIELD:
    case simdjson::INDEX_OUT_OF_BOUNDS:
      return Status(shape_code, std::string(what) + " has the wrong type", simdjson::error_message(error));
    case simdjson::CAPACITY:
      return Status(ErrorCode::kPayloadTooLarge, "document too large for the JSON parser",
                    simdjson::error_message(error));
    default:
      return Status(ErrorCode::kInvalidRequest, "malformed JSON in " + std::string(what),
                    simdjson::error_message(error));
  }
}

bool IsJsonNumber(std::string_view text) {
  size_t i = 0;
  auto digits = [&] {
    size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    return i - start;
  };
  if (i < text.size() && text[i] == '-') ++i;
  bool leading_zero = i < text.size() && text[i] == '0';
  size_t integer = digits();
  if (integer == 0 || (leading_zero && integer > 1)) return false;
  if (i < text.size() && text[i] == '.') {
    ++i;
    if (digits() == 0) return false;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  return i == text.size();
}

namespace {

bool IsJsonWhitespace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// Full validation, used only on the error path to tell malformed JSON (INVALID_REQUEST) from a
// well-formed document of the wrong shape (the request's own code). On-Demand validates lazily.
bool IsWellFormed(std::string_view json) {
  thread_local simdjson::dom::parser validator;
  return !validator.parse(json.data(), json.size(), /*realloc_if_needed=*/true).error();
}

// Error path only: one past the bracket that closes the object or array starting at the first
// non-whitespace byte of `json`, or npos when there is none (strings are skipped with their escapes).
size_t RootContainerEnd(std::string_view json) {
  size_t i = 0;
  while (i < json.size() && IsJsonWhitespace(json[i])) ++i;
  if (i == json.size() || (json[i] != '{' && json[i] != '[')) return std::string_view::npos;
  size_t depth = 0;
  for (; i < json.size(); ++i) {
    const char c = json[i];
    if (c == '"') {
      for (++i; i < json.size() && json[i] != '"'; ++i) {
        if (json[i] == '\\') ++i;
      }
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if ((c == '}' || c == ']') && --depth == 0) {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

Status TrailingContent(std::string_view json, size_t end, std::string_view what) {
  size_t at = end;
  while (at < json.size() && IsJsonWhitespace(json[at])) ++at;
  return Status(
      ErrorCode::kInvalidRequest, "malformed JSON in " + std::string(what),
      "trailing content after the JSON document at byte " + std::to_string(at) + " (one document per body)");
}

// Why the root container of `json` could not be read: trailing content after a complete container
// (On-Demand reports it as an unclosed one), malformed JSON, or the wrong root type.
Status RootError(std::string_view json, simdjson::error_code error, ErrorCode shape_code,
                 std::string_view what) {
  const size_t end = RootContainerEnd(json);
  if (end != std::string_view::npos && !TrimJsonWhitespace(json.substr(end)).empty() &&
      IsWellFormed(json.substr(0, end))) {
    return TrailingContent(json, end, what);
  }
  if (error == simdjson::INCORRECT_TYPE && !IsWellFormed(json)) error = simdjson::TAPE_ERROR;
  return JsonError(error, shape_code, what);
}

template <typename Root>
simdjson::error_code GetRoot(od::document* doc, Root* out) {
  if constexpr (std::is_same_v<Root, od::object>) {
    return doc->get_object().get(*out);
  } else {
    return doc->get_array().get(*out);
  }
}

template <typename Root>
Status IterateRoot(std::string_view json, int slot, od::document* doc, Root* out, ErrorCode shape_code,
                   std::string_view what) {
  // The caller guarantees SIMDJSON_PADDING readable bytes after json (http::kBodyPadding >= it).
  auto result =
      ThreadParser(slot).iterate(json.data(), json.size(), json.size() + simdjson::SIMDJSON_PADDING);
  if (result.error()) return RootError(json, result.error(), shape_code, what);
  *doc = std::move(result.value_unsafe());
  simdjson::error_code error = GetRoot(doc, out);
  if (error) return RootError(json, error, shape_code, what);
  return Status::Ok();
}

}  // namespace

Status IterateObject(std::string_view json, int slot, od::document* doc, od::object* out,
                     ErrorCode shape_code, std::string_view what) {
  if (TrimJsonWhitespace(json).empty()) return Status(shape_code, std::string(what) + " is empty");
  return IterateRoot(json, slot, doc, out, shape_code, what);
}

Status IterateArray(std::string_view json, int slot, od::document* doc, od::array* out, ErrorCode shape_code,
                    std::string_view what) {
  return IterateRoot(json, slot, doc, out, shape_code, what);
}

Status ExpectDocumentEnd(od::document& doc, std::string_view json, std::string_view what) {
  const char* next = nullptr;
  if (doc.current_location().get(next) == simdjson::OUT_OF_BOUNDS) return Status::Ok();
  if (next == nullptr || next < json.data() || next > json.data() + json.size()) {
    return Status(ErrorCode::kInvalidRequest, "malformed JSON in " + std::string(what),
                  "trailing content after the JSON document (one document per body)");
  }
  return TrailingContent(json, static_cast<size_t>(next - json.data()), what);
}

Status ReadString(JsonValue value, std::string_view* out, ErrorCode shape_code, std::string_view what) {
  auto error = value.get_string().get(*out);
  if (error) return JsonError(error, shape_code, std::string(what) + " (expected a string)");
  return Status::Ok();
}

Status ReadOptionalString(JsonValue value, std::string_view* out, bool* present, ErrorCode shape_code,
                          std::string_view what) {
  bool is_null = false;
  auto error = value.is_null().get(is_null);
  if (error) return JsonError(error, shape_code, what);
  if (is_null) {
    *present = false;
    *out = {};
    return Status::Ok();
  }
  *present = true;
  return ReadString(value, out, shape_code, what);
}

Status ReadInt64(JsonValue value, int64_t* out, ErrorCode shape_code, std::string_view what) {
  auto error = value.get_int64().get(*out);
  if (error) {
    // Accept integers sent as strings ("42"), as the Darwin clients sometimes do.
    std::string_view text;
    if (!value.get_string().get(text) && ParseInt64(text, out)) return Status::Ok();
    return JsonError(error == simdjson::INCORRECT_TYPE ? error : simdjson::INCORRECT_TYPE, shape_code,
                     std::string(what) + " (expected an integer)");
  }
  return Status::Ok();
}

Status ReadBool(JsonValue value, bool* out, ErrorCode shape_code, std::string_view what) {
  auto error = value.get_bool().get(*out);
  if (error) return JsonError(error, shape_code, std::string(what) + " (expected a boolean)");
  return Status::Ok();
}

Status ReadStringArray(JsonValue value, std::vector<std::string_view>* out, ErrorCode shape_code,
                       std::string_view what) {
  od::array array;
  auto error = value.get_array().get(array);
  if (error) return JsonError(error, shape_code, std::string(what) + " (expected an array of strings)");
  for (auto element : array) {
    std::string_view s;
    error = element.get_string().get(s);
    if (error) return JsonError(error, shape_code, std::string(what) + " (expected an array of strings)");
    out->push_back(s);
  }
  return Status::Ok();
}

Status ReadRawContainer(JsonValue value, std::string_view* out, ErrorCode shape_code, std::string_view what) {
  od::json_type type;
  auto error = value.type().get(type);
  if (error) return JsonError(error, shape_code, what);
  if (type == od::json_type::array) {
    od::array array;
    error = value.get_array().get(array);
    if (!error) error = array.raw_json().get(*out);
  } else if (type == od::json_type::object) {
    od::object object;
    error = value.get_object().get(object);
    if (!error) error = object.raw_json().get(*out);
  } else {
    error = simdjson::INCORRECT_TYPE;
  }
  if (error) return JsonError(error, shape_code, what);
  return Status::Ok();
}

namespace {

Status RawToken(JsonValue& value, std::string_view* raw) {
  std::string_view token;
  auto error = value.raw_json_token().get(token);
  if (error) return JsonError(error, ErrorCode::kInvalidRequest, "value");
  *raw = TrimJsonWhitespace(token);
  return Status::Ok();
}

Status NotJson(std::string_view token) {
  constexpr size_t kShown = 40;
  std::string shown(token.substr(0, kShown));
  if (token.size() > kShown) shown += "...";
  return Status(ErrorCode::kInvalidRequest, "malformed JSON: '" + shown + "' is not a JSON value",
                "NaN, Infinity and numbers outside the JSON grammar (RFC 8259) are refused");
}

// The token at `value` when it cannot be typed (e.g. NaN, Infinity): named in the error.
Status UntypedValue(JsonValue& value, simdjson::error_code error) {
  std::string_view token;
  if (!value.raw_json_token().get(token) && !TrimJsonWhitespace(token).empty()) {
    return NotJson(TrimJsonWhitespace(token));
  }
  return JsonError(error, ErrorCode::kInvalidRequest, "value");
}

}  // namespace

Status ReadScalar(JsonValue value, codec::JsonScalar* out, std::string_view* raw) {
  od::json_type type;
  auto error = value.type().get(type);
  if (error) return UntypedValue(value, error);
  switch (type) {
    case od::json_type::null:
      *raw = "null";
      *out = codec::JsonScalar::Null();
      // Consume the token so that iteration continues past it.
      return value.is_null().error() ? JsonError(simdjson::TAPE_ERROR, ErrorCode::kInvalidRequest, "value")
                                     : Status::Ok();
    case od::json_type::boolean: {
      bool b = false;
      OFS_RETURN_IF_ERROR(RawToken(value, raw));
      error = value.get_bool().get(b);
      if (error) return JsonError(error, ErrorCode::kInvalidRequest, "value");
      *out = codec::JsonScalar::Bool(b);
      return Status::Ok();
    }
    case od::json_type::number: {
      OFS_RETURN_IF_ERROR(RawToken(value, raw));
      // On-Demand types a token by its first byte: "-Infinity" or "01" would pass as numbers.
      if (!IsJsonNumber(*raw)) return NotJson(*raw);
      *out = codec::JsonScalar::Number(*raw);
      // The codec validates the token's grammar for the target type; On-Demand skips the unconsumed
      // value when iteration moves on.
      return Status::Ok();
    }
    case od::json_type::string: {
      OFS_RETURN_IF_ERROR(RawToken(value, raw));
      std::string_view s;
      error = value.get_string().get(s);
      if (error) return JsonError(error, ErrorCode::kInvalidRequest, "string");
      *out = codec::JsonScalar::String(s);
      return Status::Ok();
    }
    case od::json_type::array:
    case od::json_type::object: {
      std::string_view text;
      OFS_RETURN_IF_ERROR(ReadRawContainer(value, &text, ErrorCode::kInvalidRequest, "value"));
      *raw = text;
      *out = codec::JsonScalar{codec::JsonScalar::Kind::kOther, false, text};
      return Status::Ok();
    }
  }
  return Status(ErrorCode::kInvalidRequest, "unexpected JSON value");
}

std::string_view TrimJsonWhitespace(std::string_view s) {
  size_t end = s.size();
  while (end > 0 && (s[end - 1] == ' ' || s[end - 1] == '\n' || s[end - 1] == '\r' || s[end - 1] == '\t'))
    --end;
  size_t start = 0;
  while (start < end && (s[start] == ' ' || s[start] == '\n' || s[start] == '\r' || s[start] == '\t'))
    ++start;
  return s.substr(start, end - start);
}

}  // namespace ofs::api
