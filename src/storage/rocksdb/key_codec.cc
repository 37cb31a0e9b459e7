#include "storage/rocksdb/key_codec.h"

#include "codec/value_codec.h"

namespace ofs::storage::rocks {
namespace {

constexpr size_t kTableIdBytes = 4;

void AppendTableId(uint32_t id, std::string* out) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>((id >> shift) & 0xFF));
}

Status Malformed(std::string_view why) {
  return Status(ErrorCode::kInternal, "malformed row key in the store", std::string(why));
}

}  // namespace

void AppendRowKey(const model::TableSpec& table, std::span<const std::string_view> values, std::string* out) {
  AppendTableId(table.id, out);
  for (size_t i = 0; i < values.size() && i < table.key_columns.size(); ++i) {
    codec::AppendOrderedKey(table.key_columns[i].type, values[i], out);
  }
}

void AppendPartitionPrefix(const model::TableSpec& table, std::string_view partition_key,
                           std::span<const std::string_view> clustering, std::string* out) {
  AppendRowKey(table, std::span<const std::string_view>(&partition_key, 1), out);
  for (size_t i = 0; i < clustering.size() && i + 1 < table.key_columns.size(); ++i) {
    codec::AppendOrderedKey(table.key_columns[i + 1].type, clustering[i], out);
  }
}

bool PrefixSuccessor(std::string_view prefix, std::string* out) {
  out->assign(prefix);
  while (!out->empty() && static_cast<uint8_t>(out->back()) == 0xFF) out->pop_back();
  if (out->empty()) return false;
  out->back() = static_cast<char>(static_cast<uint8_t>(out->back()) + 1);
  return true;
}

Status DecodeRowKey(const model::TableSpec& table, std::string_view key, std::string* values,
                    std::vector<size_t>* ends) {
  values->clear();
  ends->clear();
  std::string expected_id;
  AppendTableId(table.id, &expected_id);
  if (!key.starts_with(expected_id)) return Malformed("table id does not match");
  key.remove_prefix(kTableIdBytes);
  for (const model::ColumnSpec& column : table.key_columns) {
    Status status = codec::DecodeOrderedKey(column.type, &key, values);
    if (!status.ok()) return Malformed(status.ToString());
    ends->push_back(values->size());
  }
  if (!key.empty()) return Malformed("trailing bytes after the key columns");
  return Status::Ok();
}

}  // namespace ofs::storage::rocks
