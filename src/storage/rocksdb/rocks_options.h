#pragma once
// The RocksDB configuration of RocksStore, in one place: every tuning choice and why (storage/README.md
// "Tuning"). All tenants' column families share one set of column-family options, hence one block
// cache, merge operator and compaction filter factory.

#include <rocksdb/listener.h>
#include <rocksdb/options.h>

#include <memory>

#include "storage/rocksdb/rocks_store.h"

namespace ofs::storage::rocks {

struct RocksTuning {
  rocksdb::DBOptions db;
  rocksdb::ColumnFamilyOptions column_family;
};

// `listener` receives RocksDB's events (health); options.clock must be set.
RocksTuning MakeRocksTuning(const RocksStoreOptions& options,
                            std::shared_ptr<rocksdb::EventListener> listener);

}  // namespace ofs::storage::rocks
