#pragma once
// Maps RocksDB statuses into the OFS error model (ARCHITECTURE.md section 6).

#include <rocksdb/status.h>

#include <string_view>

#include "base/status.h"

namespace ofs::storage::rocks {

// OK stays OK. Corruption -> kInternal (damaged data or a bug); anything else (I/O errors, no space,
// a database stopped by a background error, ...) -> STORE-UNAVAILABLE. The message names `operation`,
// the cause is RocksDB's own message.
Status FromRocks(const rocksdb::Status& status, std::string_view operation);

}  // namespace ofs::storage::rocks
