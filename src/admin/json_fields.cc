#include "admin/json_fields.h"

#include "model/types.h"

namespace ofs::admin {

Status ForEachField(od::object& object, ErrorCode code, std::string_view what, const FieldVisitor& each) {
  return api::ForEachField(object, code, what, [&](std::string_view key, api::JsonValue result) -> Status {
    od::value value;
    auto error = std::move(result).get(value);
    if (error) return api::JsonError(error, code, what);
    return each(key, value);
  });
}

Status ForEachRootField(std::string_view body, ErrorCode code, const FieldVisitor& each) {
  od::document doc;
  od::object root;
  OFS_RETURN_IF_ERROR(api::IterateObject(body, 0, &doc, &root, code));
  OFS_RETURN_IF_ERROR(ForEachField(root, code, "request body", each));
  return api::ExpectDocumentEnd(doc, body);
}

bool IsNull(od::value& value) {
  bool is_null = false;
  return !value.is_null().get(is_null) && is_null;
}

Status ReadOptionalText(od::value value, std::string* out, ErrorCode code, std::string_view what) {
  std::string_view text;
  bool present = false;
  OFS_RETURN_IF_ERROR(api::ReadOptionalString(value, &text, &present, code, what));
  if (present) out->assign(text);
  return Status::Ok();
}

Result<std::string> NormalizeVersion(std::string_view version) {
  std::optional<int64_t> n = model::ParseVersion(version);
  if (!n) {
    return Status(ErrorCode::kInvalidRequest, "invalid version '" + std::string(version) + "'",
                  "versions are strings \"v1\", \"v2\", ...");
  }
  return model::VersionName(*n);
}

Status ReadOptionalVersion(od::value value, std::optional<std::string>* out, ErrorCode code) {
  std::string_view text;
  bool present = false;
  OFS_RETURN_IF_ERROR(api::ReadOptionalString(value, &text, &present, code, "version"));
  if (!present || text.empty()) {
    out->reset();
    return Status::Ok();
  }
  OFS_ASSIGN_OR_RETURN(std::string version, NormalizeVersion(text));
  *out = std::move(version);
  return Status::Ok();
}

}  // namespace ofs::admin
