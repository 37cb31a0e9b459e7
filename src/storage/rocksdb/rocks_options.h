#pragma once
// The RocksDB configuration of RocksStore, in one place: every tuning choice and why (storage/README.md
// "Tuning"). All tenants' column families share one set of column-family options, hence one block
// cache, merge operator and compaction filter factory.

#include <rocksdb/compression_type.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <rocksdb/listener.h>
#include <rocksdb/options.h>

#include <memory>
#include <vector>

#include "storage/rocksdb/rocks_store.h"

namespace ofs::storage::rocks {

// Everything the database instances of one store share. `db.env` points into `env`, so a tuning must
// outlive every database opened with it.
struct RocksTuning {
  rocksdb::DBOptions db;
  rocksdb::ColumnFamilyOptions column_family;
  // The ingestion queue's column family (RocksStore::QueueAppend): plain entries, no merge operator, no
  // TTL filter, RocksDB's skip list.
  rocksdb::ColumnFamilyOptions queue_family;
  std::unique_ptr<rocksdb::Env> env;  // over the store's file system (space_guard.h)
};

// `listener` receives RocksDB's events (health); `file_system` is the one RocksDB writes through
// (SpaceGuard::Wrap); options.clock must be set.
RocksTuning MakeRocksTuning(const RocksStoreOptions& options,
                            std::shared_ptr<rocksdb::EventListener> listener,
                            std::shared_ptr<rocksdb::FileSystem> file_system);

// LZ4 when RocksDB was built with it; otherwise Snappy or no compression, noted as the compression
// fallback (base/fallback.h).
rocksdb::CompressionType ChooseCompression(const std::vector<rocksdb::CompressionType>& supported);

}  // namespace ofs::storage::rocks
