#pragma once
// Precondition checks shared by OnlineStore implementations. A request that breaks the preconditions
// of online_store.h (no table, key values that do not match the table's key columns, a zero scan limit)
// is a bug in the caller, which validated it against the catalog: reported as kInternal naming the
// broken precondition, never a crash. Pure functions; thread-safe.

#include "base/status.h"
#include "storage/online_store.h"

namespace ofs::storage {

Status CheckReadRequest(const ReadRequest& req);
Status CheckScanRequest(const ScanRequest& req);
Status CheckWriteRequest(const WriteRequest& req);

}  // namespace ofs::storage
