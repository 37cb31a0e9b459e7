#include "storage/rocksdb/rocks_status.h"

#include <string>

namespace ofs::storage::rocks {

Status FromRocks(const rocksdb::Status& status, std::string_view operation) {
  if (status.ok()) return Status::Ok();
  const ErrorCode code = status.IsCorruption() ? ErrorCode::kInternal : ErrorCode::kStoreUnavailable;
  return Status(code, "RocksDB " + std::string(operation) + " failed", status.ToString());
}

}  // namespace ofs::storage::rocks
