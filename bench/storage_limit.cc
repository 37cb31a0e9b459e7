// ofs_storage_limit: the "storage limit" reference of the benchmark (PERFORMANCE.md, "References"): how
// fast OFS's own store answers the benchmark's reads with nothing around it — no HTTP, no JSON, no
// catalog lookup per request. Opens a stopped server's data directory (metadata.sqlite + rocksdb/), builds
// the catalog snapshot to find the group's table, tenant and column ids, and runs in one thread a tight
// loop of RocksStore::MultiGet with 1 key ("Get") and with --batch keys, for --duration seconds each,
// keys drawn like the load generator's (uniform, or --zipf). Reports keys/s as one JSON line.
//
//   ofs_storage_limit --data-dir DIR [--entities N] [--duration S] [--batch 100] [--zipf S] [--seed S]
//                     [--block-cache-mb 256] [--no-sweep]
//   ofs_storage_limit --data-dir DIR --compact     full compaction, then on-disk bytes and stored rows
//
// Before timing, every key is read once in key order (the "sweep", like the harness's server warm-up),
// which also checks that every key of the dataset is present.

#include <sys/prctl.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "bench/dataset.h"
#include "catalog/catalog.h"
#include "catalog/sqlite/sqlite_metadata_store.h"
#include "storage/rocksdb/rocks_store.h"

namespace ofs::bench {
namespace {

struct Options {
  std::string data_dir;
  std::string group = kGroup;
  uint64_t entities = 1'000'000;
  double duration_s = 5;
  uint64_t batch = 100;
  double zipf = 0;
  uint64_t seed = 42;
  int64_t block_cache_mb = 256;  // the server's default (apps/ofs/config.h)
  int64_t row_cache_mb = 1024;   // room for the 1M bench rows (the server defaults to a quarter of memory)
  bool sweep = true;
  bool compact = false;
};

[[noreturn]] void Usage(const char* why) {
  std::fprintf(
      stderr,
      "ofs_storage_limit: %s\n"
      "usage: ofs_storage_limit --data-dir DIR [--group G] [--entities N] [--duration S] [--batch N]\n"
      "       [--zipf S] [--seed S] [--block-cache-mb MB] [--row-cache-mb MB] [--no-sweep] [--compact]\n",
      why);
  std::exit(64);
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  auto number = [](const char* text) {
    char* end = nullptr;
    double v = std::strtod(text, &end);
    if (end == text || *end != '\0' || v < 0) Usage("bad number");
    return v;
  };
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (flag == "--compact") {
      o.compact = true;
      continue;
    }
    if (flag == "--no-sweep") {
      o.sweep = false;
      continue;
    }
    if (i + 1 >= argc) Usage("missing value");
    const char* v = argv[++i];
    if (flag == "--data-dir") {
      o.data_dir = v;
    } else if (flag == "--group") {
      o.group = v;
    } else if (flag == "--entities") {
      o.entities = std::max<uint64_t>(1, static_cast<uint64_t>(number(v)));
    } else if (flag == "--duration") {
      o.duration_s = number(v);
    } else if (flag == "--batch") {
      o.batch = std::max<uint64_t>(1, static_cast<uint64_t>(number(v)));
    } else if (flag == "--zipf") {
      o.zipf = number(v);
    } else if (flag == "--seed") {
      o.seed = static_cast<uint64_t>(number(v));
    } else if (flag == "--row-cache-mb") {
      o.row_cache_mb = std::max<int64_t>(0, static_cast<int64_t>(number(v)));
    } else if (flag == "--block-cache-mb") {
      o.block_cache_mb = std::max<int64_t>(1, static_cast<int64_t>(number(v)));
    } else {
      Usage("unknown flag");
    }
  }
  if (o.data_dir.empty()) Usage("--data-dir is required");
  o.batch = std::min(o.batch, o.entities);
  return o;
}

void PrintError(const std::string& why) {
  std::string escaped;
  for (char ch : why) {
    if (ch == '"' || ch == '\\') escaped.push_back('\\');
    escaped.push_back(static_cast<unsigned char>(ch) < 0x20 ? ' ' : ch);
  }
  std::printf("{\"ok\":false,\"error\":\"%s\"}\n", escaped.c_str());
}

// The pieces of the catalog a read needs, plus the objects that own them.
struct Opened {
  std::unique_ptr<catalog::SqliteMetadataStore> metadata;
  std::shared_ptr<const catalog::Snapshot> snapshot;
  std::unique_ptr<storage::RocksStore> store;
  const catalog::GroupEntry* group = nullptr;
  std::vector<uint32_t> column_ids;  // the group's own columns
};

Result<Opened> Open(const Options& o) {
  const std::filesystem::path dir(o.data_dir);
  Opened opened;
  OFS_ASSIGN_OR_RETURN(auto metadata, catalog::SqliteMetadataStore::Open((dir / "metadata.sqlite").string()));
  opened.metadata = std::move(metadata);
  OFS_ASSIGN_OR_RETURN(auto entities, opened.metadata->ListEntities(0));
  OFS_ASSIGN_OR_RETURN(auto groups, opened.metadata->ListFeatureGroups(0));
  OFS_ASSIGN_OR_RETURN(int64_t counter, opened.metadata->ChangeCounter());
  opened.snapshot = catalog::Snapshot::Build(std::move(entities), std::move(groups), counter);
  opened.group = opened.snapshot->FindGroup(o.group, std::nullopt);
  if (opened.group == nullptr)
    return Status(ErrorCode::kInternal, "no feature group " + o.group + " in " + o.data_dir);
  for (const auto& column : opened.group->columns) {
    if (column.is_group_column) opened.column_ids.push_back(column.id);
  }
  storage::RocksStoreOptions store_options;
  store_options.path = (dir / "rocksdb").string();
  store_options.create_if_missing = false;
  store_options.block_cache_bytes = static_cast<size_t>(o.block_cache_mb) << 20;
  store_options.row_cache_bytes = static_cast<size_t>(o.row_cache_mb) << 20;
  OFS_ASSIGN_OR_RETURN(auto store, storage::RocksStore::Open(store_options));
  opened.store = std::move(store);
  return opened;
}

// Canonical BIGINT value bytes (codec/value_codec.h): 8 bytes, big-endian two's complement.
void EncodeBigint(uint64_t v, char* out) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
}

class Reader {
 public:
  Reader(const Options& o, Opened& opened) : opened_(opened) {
    key_bytes_.resize(static_cast<size_t>(std::max<uint64_t>(o.batch, 100)) * 8);
  }

  // MultiGet of keys [first, first + count) or random keys; returns found rows, -1 on a store error.
  int64_t Read(size_t count, const uint64_t* keys) {
    key_views_.clear();
    for (size_t i = 0; i < count; ++i) {
      char* slot = key_bytes_.data() + i * 8;
      EncodeBigint(keys[i], slot);
      key_views_.emplace_back(slot, 8);
    }
    const auto& table = opened_.group->entity->table;
    storage::ReadRequest request{opened_.group->meta.tenant.read, &table, key_views_, opened_.column_ids};
    Status status;
    opened_.store->MultiGet(request, &rows_, [&](Status s) { status = std::move(s); });
    if (!status.ok()) {
      error_ = status.ToString();
      return -1;
    }
    int64_t found = 0;
    for (size_t r = 0; r < rows_.rows(); ++r) found += rows_.found(r) ? 1 : 0;
    return found;
  }

  const std::string& error() const { return error_; }

 private:
  Opened& opened_;
  std::string key_bytes_;
  std::vector<std::string_view> key_views_;
  storage::RowSet rows_;
  std::string error_;
};

struct LoopResult {
  uint64_t ops = 0;
  uint64_t keys = 0;
  uint64_t found = 0;
  double seconds = 0;
};

Result<LoopResult> TimedLoop(const Options& o, Reader& reader, size_t batch) {
  Rng rng(o.seed + batch);
  KeyPicker picker(o.entities, o.zipf);
  std::vector<uint64_t> keys(batch);
  LoopResult result;
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto end =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.duration_s));
  auto now = start;
  while (now < end) {
    for (int rep = 0; rep < 16; ++rep) {
      for (size_t i = 0; i < batch; ++i) {
        uint64_t key;
        bool dup;
        do {  // distinct keys per batch, like the load generator
          key = picker.Pick(rng);
          dup = std::find(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(i), key) !=
                keys.begin() + static_cast<std::ptrdiff_t>(i);
        } while (dup);
        keys[i] = key;
      }
      int64_t found = reader.Read(batch, keys.data());
      if (found < 0) return Status(ErrorCode::kInternal, "MultiGet failed: " + reader.error());
      ++result.ops;
      result.keys += batch;
      result.found += static_cast<uint64_t>(found);
    }
    now = Clock::now();
  }
  result.seconds = std::chrono::duration<double>(now - start).count();
  return result;
}

uint64_t DirectoryBytes(const std::filesystem::path& dir, std::string_view extension) {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (!entry.is_regular_file(ec)) continue;
    if (!extension.empty() && entry.path().extension() != extension) continue;
    total += entry.file_size(ec);
  }
  return total;
}

int RunCompact(const Options& o, Opened& opened) {
  const auto start = std::chrono::steady_clock::now();
  Status status = opened.store->CompactAll();
  if (!status.ok()) {
    PrintError("CompactAll: " + status.ToString());
    return 2;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto rows = opened.store->CountStoredRows(opened.group->meta.tenant.read);
  if (!rows.ok()) {
    PrintError("CountStoredRows: " + rows.status().ToString());
    return 2;
  }
  const std::filesystem::path dir = std::filesystem::path(o.data_dir) / "rocksdb";
  std::printf(
      "{\"ok\":true,\"mode\":\"compact\",\"compact_seconds\":%.3f,\"sst_bytes\":%" PRIu64
      ",\"rocksdb_dir_bytes\":%" PRIu64 ",\"data_dir_bytes\":%" PRIu64 ",\"stored_rows\":%" PRIu64 "}\n",
      seconds, DirectoryBytes(dir, ".sst"), DirectoryBytes(dir, ""), DirectoryBytes(o.data_dir, ""), *rows);
  return 0;
}

int RunReads(const Options& o, Opened& opened) {
  Reader reader(o, opened);
  uint64_t missing = 0;
  double sweep_seconds = 0;
  if (o.sweep) {
    const auto start = std::chrono::steady_clock::now();
    std::vector<uint64_t> keys(100);
    for (uint64_t first = 0; first < o.entities; first += 100) {
      const size_t count = static_cast<size_t>(std::min<uint64_t>(100, o.entities - first));
      for (size_t i = 0; i < count; ++i) keys[i] = first + i;
      int64_t found = reader.Read(count, keys.data());
      if (found < 0) {
        PrintError("sweep: " + reader.error());
        return 2;
      }
      missing += count - static_cast<uint64_t>(found);
    }
    sweep_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  auto get = TimedLoop(o, reader, 1);
  if (!get.ok()) {
    PrintError(get.status().ToString());
    return 2;
  }
  auto multi = TimedLoop(o, reader, static_cast<size_t>(o.batch));
  if (!multi.ok()) {
    PrintError(multi.status().ToString());
    return 2;
  }
  auto rate = [](uint64_t n, double s) { return s > 0 ? static_cast<double>(n) / s : 0.0; };
  std::printf("{\"ok\":true,\"mode\":\"read\",\"entities\":%" PRIu64 ",\"missing\":%" PRIu64
              ",\"sweep_seconds\":%.3f,"
              "\"get\":{\"ops_per_s\":%.1f,\"keys_per_s\":%.1f,\"found_fraction\":%.4f,\"seconds\":%.3f},"
              "\"multiget\":{\"batch\":%" PRIu64
              ",\"ops_per_s\":%.1f,\"keys_per_s\":%.1f,\"found_fraction\":%.4f,"
              "\"seconds\":%.3f}}\n",
              o.entities, missing, sweep_seconds, rate(get->ops, get->seconds), rate(get->keys, get->seconds),
              get->keys ? static_cast<double>(get->found) / static_cast<double>(get->keys) : 0.0,
              get->seconds, o.batch, rate(multi->ops, multi->seconds), rate(multi->keys, multi->seconds),
              multi->keys ? static_cast<double>(multi->found) / static_cast<double>(multi->keys) : 0.0,
              multi->seconds);
  return missing == 0 ? 0 : 3;
}

}  // namespace
}  // namespace ofs::bench

int main(int argc, char** argv) {
  using namespace ofs::bench;
  Options options = ParseOptions(argc, argv);
  auto opened = Open(options);
  if (!opened.ok()) {
    PrintError(opened.status().ToString());
    return 2;
  }
  int rc = options.compact ? RunCompact(options, *opened) : RunReads(options, *opened);
  std::fflush(stdout);
  return rc;
}
