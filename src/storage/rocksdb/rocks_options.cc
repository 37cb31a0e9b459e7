#include "storage/rocksdb/rocks_options.h"

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/sst_file_manager.h>
#include <rocksdb/table.h>

#include <algorithm>

#include "base/fallback.h"
#include "storage/rocksdb/compaction_filter.h"
#include "storage/rocksdb/hashed_memtable.h"
#include "storage/rocksdb/info_log.h"
#include "storage/rocksdb/merge_operator.h"

namespace ofs::storage::rocks {
namespace {

// Point lookups dominate: Bloom filters on whole keys answer misses without touching data blocks, the
// data-block hash index replaces the in-block binary search, index and filter blocks live in the block
// cache (memory stays bounded by block_cache_bytes), pinned on every level so that lookups never miss.
rocksdb::BlockBasedTableOptions TableOptions(const RocksStoreOptions& options) {
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(options.bloom_bits_per_key));
  table.whole_key_filtering = true;
  table.cache_index_and_filter_blocks = true;
  table.cache_index_and_filter_blocks_with_high_priority = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  // Pin index and filter blocks of every level, not only L0: after compaction the data lives in the
  // last level, and each unpinned lookup costs two locked LRU probes and allocations (Get 2.13 ->
  // 1.74 µs in ofs_rocks_read_bench). Their memory is charged to the block cache.
  table.metadata_cache_options.unpartitioned_pinning = rocksdb::PinningTier::kAll;
  table.data_block_index_type = rocksdb::BlockBasedTableOptions::kDataBlockBinaryAndHash;
  table.data_block_hash_table_util_ratio = 0.75;
  return table;
}

rocksdb::ColumnFamilyOptions ColumnFamilyOptions(const RocksStoreOptions& options) {
  rocksdb::ColumnFamilyOptions cf;
  cf.merge_operator = std::make_shared<CellMergeOperator>(options.clock);
  cf.compaction_filter_factory = std::make_shared<ExpiryFilterFactory>(options.clock);
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(TableOptions(options)));
  // The write buffer may be split into small memtables (memtables_per_flush), flushed together once all
  // are full. One flush still writes write_buffer_bytes to one L0 file, so compaction work is unchanged,
  // and one more full write buffer may fill while it runs (max_write_buffer_number = 2 parts). Splitting
  // helps the skip list: its inserts (~40% of the core in S4, ~30 node visits per row) mostly miss the
  // cache in a 64 MiB memtable and mostly hit L3 in an 8 MiB one (8 parts: +11% to +21% rows/s, 3
  // interleaved 60-s pairs of 100-row durable writes from copies of one 1M-row directory). The hashed
  // memtable touches one bucket per insert and sorts at flush, so it gains nothing from parts: one
  // 64 MiB memtable wrote +2% to +11% rows/s over 8 parts (4 interleaved pairs, 30 and 60 s), and
  // partition reads were within noise. Parts cost reads: a point read that misses the row cache probes
  // each memtable's Bloom filter (one cache line each), and a partition read merges every memtable.
  // Hence one memtable by default. With more than one, RocksDB 7.8 can leave a manual flush (the
  // close flush, CompactAll) racing other flushes waiting until a later flush (RocksDB issue 13280;
  // once in this repository's CI, with concurrent flushes in a test). A part is at least 256 KiB: a small
  // write buffer gets fewer parts rather than outgrowing write_buffer_bytes.
  constexpr size_t kMinMemtableBytes = 256 << 10;
  const size_t most_parts = std::max<size_t>(1, options.write_buffer_bytes / kMinMemtableBytes);
  const int parts =
      static_cast<int>(std::min<size_t>(std::clamp(options.memtables_per_flush, 1, 64), most_parts));
  cf.write_buffer_size = options.write_buffer_bytes / parts;
  if (options.memtable == RocksStoreOptions::MemTable::kHashed) {
    // About one bucket per entry (a 10-feature bench row takes ~150 bytes of memtable): 8 bytes per
    // 128 of write buffer. With the 16-byte log slot and the 8 bytes of sorted run per entry, the
    // index is ~20% of a memtable of bench rows (a skip list's nodes take ~11-19 bytes per entry).
    cf.memtable_factory = NewHashedMemTableFactory(cf.write_buffer_size / 128);
  }
  cf.min_write_buffer_number_to_merge = parts;
  cf.max_write_buffer_number = 2 * parts;
  // Random keys make every L0 file overlap the whole base level, so each L0 compaction rewrites all of
  // it; waiting for 8 L0 files instead of 4 rewrites it half as often. Measured with 100-row durable
  // writes for 60 s on one core, each run from a copy of the same 1M-row directory: +9%, +9%, +12% rows/s
  // (3 interleaved pairs). A read that misses the row cache checks each L0 file's Bloom filter (pinned):
  // up to 8 while compaction keeps up; writes slow down at RocksDB's default 20 L0 files and stop at 36.
  cf.level0_file_num_compaction_trigger = 8;
  cf.compression = ChooseCompression(rocksdb::GetSupportedCompressions());
  cf.level_compaction_dynamic_level_bytes = true;
  // Misses are common (unknown entities): keep filters on the last level too.
  cf.optimize_filters_for_hits = false;
  // A whole-key Bloom filter in the memtable spares misses the memtable lookup (a bucket chain or a
  // skip-list walk).
  cf.memtable_prefix_bloom_size_ratio = 0.02;
  cf.memtable_whole_key_filtering = true;
  // Rewrite table files older than a day even without new writes, so that the compaction filter
  // reclaims expired rows that nothing else would compact (TTL space is given back within ~a day).
  cf.periodic_compaction_seconds = 24 * 3600;
  return cf;
}

rocksdb::DBOptions DbOptions(const RocksStoreOptions& options,
                             std::shared_ptr<rocksdb::EventListener> listener, rocksdb::Env* env) {
  rocksdb::DBOptions db;
  db.env = env;
  // RocksDB's log goes to OFS's log: its LOG file aborts the process once the disk is full (info_log.h).
  db.info_log = NewInfoLog();
  // The SstFileManager resumes writes stopped by a failed flush or compaction (ENOSPC) once the disk
  // has room again (RocksDB's auto-recovery from NoSpace needs one); it also tracks table files' sizes.
  db.sst_file_manager.reset(rocksdb::NewSstFileManager(env, env->GetFileSystem(), db.info_log));
  db.create_if_missing = options.create_if_missing;
  db.max_open_files = options.max_open_files;
  db.max_background_jobs = options.max_background_jobs;
  // The hashed memtable takes one writer at a time (RocksDB's write group leader inserts every batch
  // of the group); the skip list could take them concurrently.
  db.allow_concurrent_memtable_write = options.memtable == RocksStoreOptions::MemTable::kSkipList;
  db.bytes_per_sync = 1 << 20;  // smooth table-file write-back instead of one large fsync
  db.listeners.push_back(std::move(listener));
  return db;
}

}  // namespace

RocksTuning MakeRocksTuning(const RocksStoreOptions& options,
                            std::shared_ptr<rocksdb::EventListener> listener,
                            std::shared_ptr<rocksdb::FileSystem> file_system) {
  RocksTuning tuning;
  tuning.env = rocksdb::NewCompositeEnv(std::move(file_system));
  tuning.db = DbOptions(options, std::move(listener), tuning.env.get());
  tuning.column_family = ColumnFamilyOptions(options);
  tuning.queue_family.compression = tuning.column_family.compression;
  tuning.queue_family.write_buffer_size = 16 << 20;
  return tuning;
}

// LZ4 decompresses fastest; blocks in the cache are kept uncompressed, so it costs only on cache misses.
rocksdb::CompressionType ChooseCompression(const std::vector<rocksdb::CompressionType>& supported) {
  const auto has = [&](rocksdb::CompressionType type) {
    return std::find(supported.begin(), supported.end(), type) != supported.end();
  };
  if (has(rocksdb::kLZ4Compression)) return rocksdb::kLZ4Compression;
  const rocksdb::CompressionType chosen =
      has(rocksdb::kSnappyCompression) ? rocksdb::kSnappyCompression : rocksdb::kNoCompression;
  NoteFallback(Fallback::kCompression, chosen == rocksdb::kSnappyCompression
                                           ? "RocksDB was built without LZ4: table files are compressed with "
                                             "Snappy (slower to decompress)"
                                           : "RocksDB was built without LZ4 and Snappy: table files are not "
                                             "compressed (larger on disk)");
  return chosen;
}

}  // namespace ofs::storage::rocks
