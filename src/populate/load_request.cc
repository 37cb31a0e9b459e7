#include "populate/load_request.h"

#include <cstdint>

#include "api/json_read.h"
#include "base/strings.h"
#include "codec/json_writer.h"
#include "model/types.h"

namespace ofs::populate {
namespace {

constexpr ErrorCode kCode = ErrorCode::kInvalidRequest;
// The cells' write time in microseconds must fit int64: at most this many milliseconds (year ~292,000).
constexpr int64_t kMaxTimestampMs = INT64_MAX / 1000;

Status ReadStringMap(api::JsonValue value, std::map<std::string, std::string>* out, std::string_view what) {
  api::od::object object;
  if (auto error = value.get_object().get(object)) return api::JsonError(error, kCode, what);
  return api::ForEachField(object, kCode, what, [&](std::string_view key, api::JsonValue v) -> Status {
    std::string_view text;
    OFS_RETURN_IF_ERROR(
        api::ReadString(std::move(v), &text, kCode, std::string(what) + "." + std::string(key)));
    (*out)[std::string(key)] = std::string(text);
    return Status::Ok();
  });
}

Status ReadVersion(api::JsonValue value, std::optional<int64_t>* out, std::string_view what) {
  int64_t version = 0;
  OFS_RETURN_IF_ERROR(api::ReadInt64(std::move(value), &version, kCode, what));
  if (version < 0) return Status(kCode, std::string(what) + " must be >= 0");
  *out = version;
  return Status::Ok();
}

bool IsNullValue(api::JsonValue& value) {
  bool is_null = false;
  return !value.is_null().get(is_null) && is_null;
}

}  // namespace

std::string_view LoadSinkName(LoadSink sink) {
  switch (sink) {
    case LoadSink::kStore:
      return "store";
    case LoadSink::kKafka:
      return "kafka";
    case LoadSink::kAuto:
      break;
  }
  return "auto";
}

bool IsCredentialOption(std::string_view key) {
  for (std::string_view word : {"secret", "token", "password", "access_key", "key_id", "credential",
                                "account_key", "sas", "service_account", "client_id", "session"}) {
    if (ContainsIgnoreCase(key, word)) return true;
  }
  return false;
}

bool IsJobStorageOption(std::string_view key) {
  for (std::string_view allowed :
       {"aws_region", "region", "aws_default_region", "aws_virtual_hosted_style_request",
        "virtual_hosted_style_request", "aws_s3_addressing_style"}) {
    if (EqualsIgnoreCase(key, allowed)) return true;
  }
  return false;
}

Result<LoadRequest> DecodeLoadRequest(std::string_view json) {
  LoadRequest r;
  Status decoded = api::ForEachRootField(
      json, 0, kCode, "request body", [&](std::string_view key, api::JsonValue value) -> Status {
        if (IsNullValue(value)) return Status::Ok();
        std::string_view text;
        if (EqualsIgnoreCase(key, "tablePath")) {
          OFS_RETURN_IF_ERROR(api::ReadString(std::move(value), &text, kCode, "tablePath"));
          r.table_path = text;
        } else if (EqualsIgnoreCase(key, "featureGroupName")) {
          OFS_RETURN_IF_ERROR(api::ReadString(std::move(value), &text, kCode, "featureGroupName"));
          r.group_name = text;
        } else if (EqualsIgnoreCase(key, "featureGroupVersion")) {
          OFS_RETURN_IF_ERROR(api::ReadString(std::move(value), &text, kCode, "featureGroupVersion"));
          if (!text.empty()) {
            std::optional<int64_t> n = model::ParseVersion(text);
            if (!n)
              return Status(kCode, "invalid featureGroupVersion '" + std::string(text) + "'",
                            "versions are \"v1\", \"v2\", ...");
            r.group_version = "v" + std::to_string(*n);
          }
        } else if (EqualsIgnoreCase(key, "fromVersion")) {
          OFS_RETURN_IF_ERROR(ReadVersion(std::move(value), &r.from_version, "fromVersion"));
        } else if (EqualsIgnoreCase(key, "toVersion")) {
          OFS_RETURN_IF_ERROR(ReadVersion(std::move(value), &r.to_version, "toVersion"));
        } else if (EqualsIgnoreCase(key, "timestamp")) {
          int64_t ms = 0;
          OFS_RETURN_IF_ERROR(api::ReadInt64(std::move(value), &ms, kCode, "timestamp"));
          if (ms < 0 || ms > kMaxTimestampMs) {
            return Status(kCode, "timestamp must be epoch milliseconds in [0, " +
                                     std::to_string(kMaxTimestampMs) + "]");
          }
          r.timestamp_ms = ms;
        } else if (EqualsIgnoreCase(key, "runId")) {
          OFS_RETURN_IF_ERROR(api::ReadString(std::move(value), &text, kCode, "runId"));
          r.run_id = text;
        } else if (EqualsIgnoreCase(key, "replicate")) {
          OFS_RETURN_IF_ERROR(api::ReadBool(std::move(value), &r.replicate, kCode, "replicate"));
        } else if (EqualsIgnoreCase(key, "columns")) {
          OFS_RETURN_IF_ERROR(ReadStringMap(std::move(value), &r.columns, "columns"));
        } else if (EqualsIgnoreCase(key, "sink")) {
          OFS_RETURN_IF_ERROR(api::ReadString(std::move(value), &text, kCode, "sink"));
          if (EqualsIgnoreCase(text, "auto")) {
            r.sink = LoadSink::kAuto;
          } else if (EqualsIgnoreCase(text, "store")) {
            r.sink = LoadSink::kStore;
          } else if (EqualsIgnoreCase(text, "kafka")) {
            r.sink = LoadSink::kKafka;
          } else {
            return Status(kCode, "invalid sink '" + std::string(text) + "'",
                          "\"auto\" (the default), \"store\" or \"kafka\"");
          }
        } else if (EqualsIgnoreCase(key, "storageOptions")) {
          OFS_RETURN_IF_ERROR(ReadStringMap(std::move(value), &r.storage_options, "storageOptions"));
        }
        return Status::Ok();
      });
  OFS_RETURN_IF_ERROR(decoded);
  if (r.table_path.empty()) return Status(kCode, "tablePath is required");
  if (r.group_name.empty()) return Status(kCode, "featureGroupName is required");
  if (r.from_version && r.to_version && *r.from_version > *r.to_version) {
    return Status(kCode, "fromVersion " + std::to_string(*r.from_version) + " is after toVersion " +
                             std::to_string(*r.to_version));
  }
  for (const auto& [key, value] : r.storage_options) {
    if (IsCredentialOption(key)) {
      return Status(kCode, "storageOptions." + key + " is a credential: a load job never holds one",
                    "give the workers their credentials with populate.storage_options");
    }
    if (!IsJobStorageOption(key)) {
      return Status(kCode, "storageOptions." + key + " is the workers' setting, not a job's",
                    "a job may set the region and the addressing style only; endpoints and the rest are "
                    "populate.storage_options, so that a job never sends the workers' credentials elsewhere");
    }
  }
  return r;
}

Result<LoadRequest> DecodeStoredLoadRequest(const std::string& json) {
  std::string padded = json;
  padded.append(simdjson::SIMDJSON_PADDING, '\0');
  return DecodeLoadRequest(std::string_view(padded.data(), json.size()));
}

std::string EncodeLoadRequest(const LoadRequest& r) {
  std::string text;
  codec::JsonWriter out(&text);
  out.StartObject();
  out.Key("tablePath");
  out.String(r.table_path);
  out.Key("featureGroupName");
  out.String(r.group_name);
  if (r.group_version) {
    out.Key("featureGroupVersion");
    out.String(*r.group_version);
  }
  if (r.from_version) {
    out.Key("fromVersion");
    out.Int(*r.from_version);
  }
  if (r.to_version) {
    out.Key("toVersion");
    out.Int(*r.to_version);
  }
  if (r.timestamp_ms) {
    out.Key("timestamp");
    out.Int(*r.timestamp_ms);
  }
  if (!r.run_id.empty()) {
    out.Key("runId");
    out.String(r.run_id);
  }
  out.Key("replicate");
  out.Bool(r.replicate);
  if (r.sink != LoadSink::kAuto) {
    out.Key("sink");
    out.String(LoadSinkName(r.sink));
  }
  for (const auto& [name, map] :
       {std::pair<const char*, const std::map<std::string, std::string>*>{"columns", &r.columns},
        {"storageOptions", &r.storage_options}}) {
    if (map->empty()) continue;
    out.Key(name);
    out.StartObject();
    for (const auto& [k, v] : *map) {
      out.Key(k);
      out.String(v);
    }
    out.EndObject();
  }
  out.EndObject();
  return text;
}

}  // namespace ofs::populate
