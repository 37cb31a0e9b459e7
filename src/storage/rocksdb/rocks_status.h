#pragma once
// Maps RocksDB statuses into the OFS error model (ARCHITECTURE.md section 6).

#include <rocksdb/status.h>

#include <string>
#include <string_view>

#include "base/status.h"

namespace ofs::storage::rocks {

// OK stays OK. Corruption -> kInternal (damaged data or a bug); anything else (I/O errors, no space,
// a database stopped by a background error, ...) -> STORE-UNAVAILABLE. The message names `operation`;
// the cause is RocksDB's message without file paths (WithoutPaths). When that differs, the full
// message is logged (rate-limited), so the operator still learns which file.
Status FromRocks(const rocksdb::Status& status, std::string_view operation);

// `message` with every absolute path replaced by the kind of file it names ("a table file", "a WAL
// file", "the MANIFEST", ...): answers say what failed, not where on the server's disk.
std::string WithoutPaths(std::string_view message);

}  // namespace ofs::storage::rocks
