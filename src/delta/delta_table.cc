#include "delta/delta_table.h"

#include <charconv>
#include <memory>
#include <string_view>
#include <utility>

#include "ofs_delta.h"

namespace ofs::delta {
namespace {

// Owns a message the bridge allocated.
struct BridgeMessage {
  char* text = nullptr;
  ~BridgeMessage() { ofs_delta_string_free(text); }
  std::string str() const { return text ? text : "unknown error"; }
};

// INVALID-REQUEST naming the table; retryable for a storage failure (OFS_DELTA_ERR_IO).
Status BridgeStatus(int32_t code, const std::string& message, const std::string& location) {
  Status status(ErrorCode::kInvalidRequest, "Delta table " + location + ": " + message);
  return code == OFS_DELTA_ERR_IO ? std::move(status).MarkRetryable() : status;
}

Status BridgeStatus(int32_t code, const BridgeMessage& message, const std::string& location) {
  return BridgeStatus(code, message.str(), location);
}

// The columns of an exported struct schema; releases it.
std::vector<ArrowField> TakeFields(ArrowSchema* schema) {
  std::vector<ArrowField> fields;
  for (int64_t i = 0; i < schema->n_children; ++i) {
    const ArrowSchema* child = schema->children[i];
    fields.push_back(ArrowField{child->name ? child->name : "", child->format ? child->format : "",
                                (child->flags & ARROW_FLAG_NULLABLE) != 0});
  }
  if (schema->release != nullptr) schema->release(schema);
  return fields;
}

// Releases a stream on every path.
struct StreamGuard {
  ArrowArrayStream stream{};
  ~StreamGuard() {
    if (stream.release != nullptr) stream.release(&stream);
  }
};

}  // namespace

Result<std::shared_ptr<DeltaTable>> DeltaTable::Open(const std::string& location,
                                                     const OpenOptions& options) {
  std::vector<const char*> keys;
  std::vector<const char*> values;
  for (const auto& [key, value] : options.storage) {
    keys.push_back(key.c_str());
    values.push_back(value.c_str());
  }
  OfsDeltaTable* handle = nullptr;
  BridgeMessage message;
  const int32_t code = ofs_delta_table_open(location.c_str(), keys.data(), values.data(), keys.size(),
                                            options.version, options.batch_rows, &handle, &message.text);
  if (code != OFS_DELTA_OK) return BridgeStatus(code, message, location);
  std::shared_ptr<DeltaTable> table(new DeltaTable(location, handle));
  ArrowSchema schema{};
  BridgeMessage schema_message;
  const int32_t schema_code = ofs_delta_table_schema(handle, &schema, &schema_message.text);
  if (schema_code != OFS_DELTA_OK) return BridgeStatus(schema_code, schema_message, location);
  table->columns_ = TakeFields(&schema);
  return table;
}

DeltaTable::~DeltaTable() { ofs_delta_table_free(handle_); }

int64_t DeltaTable::version() const { return ofs_delta_table_version(handle_); }

const ArrowField* DeltaTable::FindColumn(std::string_view name) const {
  for (const ArrowField& field : columns_) {
    if (field.name == name) return &field;
  }
  return nullptr;
}

Result<std::unique_ptr<DeltaScan>> DeltaTable::Scan(const std::vector<std::string>& column_names) const {
  std::vector<const char*> names;
  for (const std::string& name : column_names) names.push_back(name.c_str());
  OfsDeltaScan* handle = nullptr;
  BridgeMessage message;
  const int32_t code = ofs_delta_scan_open(handle_, names.data(), names.size(), &handle, &message.text);
  if (code != OFS_DELTA_OK) return BridgeStatus(code, message, location_);
  std::unique_ptr<DeltaScan> scan(new DeltaScan(location_, handle));
  const size_t count = ofs_delta_scan_file_count(handle);
  scan->files_.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    const char* path = nullptr;
    DataFile file;
    int32_t has_dv = 0;
    if (ofs_delta_scan_file(handle, i, &path, &file.size_bytes, &file.records, &has_dv) != OFS_DELTA_OK) {
      return Status(ErrorCode::kInternal,
                    "Delta table " + location_ + ": data file " + std::to_string(i) + " vanished");
    }
    file.path = path;
    file.has_deletion_vector = has_dv != 0;
    scan->files_.push_back(std::move(file));
  }
  return scan;
}

DeltaScan::~DeltaScan() { ofs_delta_scan_free(handle_); }

Status DeltaScan::ReadFile(size_t index, const std::function<Status(const ArrowBatch&)>& batch) const {
  StreamGuard guard;
  BridgeMessage message;
  const int32_t code = ofs_delta_scan_read_file(handle_, index, &guard.stream, &message.text);
  if (code != OFS_DELTA_OK) return BridgeStatus(code, message, location_);
  ArrowArrayStream& stream = guard.stream;
  // A stream error's text holds "[ofs_delta N] " (ofs_delta.h): a storage failure (N = I/O) is retryable
  // (a job pauses on it), anything else (a corrupt file) is not.
  auto stream_error = [&](const char* what) {
    const char* last = stream.get_last_error(&stream);
    std::string text = last ? last : "unknown error";
    int code = OFS_DELTA_ERR_INTERNAL;
    constexpr std::string_view kMarker = "[ofs_delta ";
    if (const size_t at = text.find(kMarker); at != std::string::npos) {
      const size_t end = text.find("] ", at);
      if (end != std::string::npos) {
        std::from_chars(text.data() + at + kMarker.size(), text.data() + end, code);
        text.erase(at, end + 2 - at);
      }
    }
    return BridgeStatus(code, "file " + files_[index].path + ": " + what + ": " + text, location_);
  };
  ArrowSchema schema{};
  if (stream.get_schema(&stream, &schema) != 0) return stream_error("reading the schema");
  const std::vector<ArrowField> fields = TakeFields(&schema);
  while (true) {
    ArrowArray array{};
    if (stream.get_next(&stream, &array) != 0) return stream_error("reading");
    if (array.release == nullptr) return Status::Ok();  // the end
    ArrowBatch owned(array, &fields);
    if (array.offset != 0 || static_cast<size_t>(array.n_children) != fields.size()) {
      return Status(ErrorCode::kInternal,
                    "Delta table " + location_ + ": a batch not laid out as a record batch");
    }
    OFS_RETURN_IF_ERROR(batch(owned));
  }
}

}  // namespace ofs::delta
