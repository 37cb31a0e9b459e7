#include "storage/request_check.h"

#include <string>

namespace ofs::storage {
namespace {

Status Broken(std::string_view what) {
  return Status(ErrorCode::kInternal, "storage request breaks its contract", std::string(what));
}

Status CheckTable(const model::TableSpec* table) {
  if (table == nullptr) return Broken("no table");
  if (table->key_columns.empty()) return Broken("table has no key columns");
  return Status::Ok();
}

}  // namespace

Status CheckReadRequest(const ReadRequest& req) {
  OFS_RETURN_IF_ERROR(CheckTable(req.table));
  if (req.keys.size() % req.table->key_columns.size() != 0) {
    return Broken("key values are not a multiple of the key column count");
  }
  return Status::Ok();
}

Status CheckScanRequest(const ScanRequest& req) {
  OFS_RETURN_IF_ERROR(CheckTable(req.table));
  if (req.limit == 0) return Broken("scan limit is 0");
  if (req.clustering_prefix.size() >= req.table->key_columns.size()) {
    return Broken("clustering prefix has as many values as the key has columns");
  }
  return Status::Ok();
}

Status CheckWriteRequest(const WriteRequest& req) {
  OFS_RETURN_IF_ERROR(CheckTable(req.table));
  for (const WriteRow& row : req.rows) {
    if (row.key.size() != req.table->key_columns.size()) {
      return Broken("row key values do not match the key column count");
    }
  }
  return Status::Ok();
}

}  // namespace ofs::storage
