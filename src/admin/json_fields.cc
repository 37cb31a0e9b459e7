#include "admin/json_fields.h"

#include "model/types.h"

namespace ofs::admin {

Status ForEachField(od::object& object, ErrorCode code, std::string_view what, const FieldVisitor& each) {
  for (auto field : object) {
    std::string_view key;
    auto error = field.unescaped_key().get(key);
    if (error) return api::JsonError(error, code, what);
    od::value value;
    error = field.value().get(value);
    if (error) return api::JsonError(error, code, what);
    OFS_RETURN_IF_ERROR(each(key, value));
  }
  return Status::Ok();
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
