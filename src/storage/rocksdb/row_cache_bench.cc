// RowCache (row_cache.h) against the alternative it replaced: RocksDB's LRUCache used as a standalone
// cache of the same rows (Lookup + Release). Both hold `arg` rows of 170 bytes under 16-byte keys and are
// read at uniformly random keys, so each lookup pays the memory latency of a table far larger than the
// CPU caches, like the server's point reads. The write path's extra cost is BM_RowCacheInvalidate.

#include <benchmark/benchmark.h>
#include <rocksdb/cache.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "storage/rocksdb/row_cache.h"

namespace ofs::storage::rocks {
namespace {

constexpr size_t kRowBytes = 170;

std::string KeyOf(uint64_t i) {
  std::string key(16, '\0');
  const uint64_t mixed = i * 0x9E3779B97F4A7C15ull;
  std::memcpy(key.data(), &mixed, 8);
  std::memcpy(key.data() + 8, &i, 8);
  return key;
}

std::vector<std::string> Keys(size_t n) {
  std::vector<std::string> keys;
  keys.reserve(n);
  for (size_t i = 0; i < n; ++i) keys.push_back(KeyOf(i));
  return keys;
}

// Random key indexes, precomputed so that the loop measures lookups only.
std::vector<uint32_t> Order(size_t n) {
  std::mt19937_64 rng(7);
  std::vector<uint32_t> order(1 << 20);
  for (uint32_t& i : order) i = static_cast<uint32_t>(rng() % n);
  return order;
}

void BM_RowCacheRead(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const std::vector<std::string> keys = Keys(n);
  RowCache cache(n * 512);
  const std::string row(kRowBytes, 'r');
  for (const std::string& k : keys) {
    const RowCache::Key key = RowCache::MakeKey(1, k);
    cache.Fill(key, cache.Ticket(key), row);
  }
  const std::vector<uint32_t> order = Order(n);
  std::string out;
  size_t next = 0;
  for (auto _ : state) {
    const RowCache::Key key = RowCache::MakeKey(1, keys[order[next++ & (order.size() - 1)]]);
    benchmark::DoNotOptimize(cache.Read(key, &out));
  }
  state.counters["rows"] = static_cast<double>(cache.GetStats().entries);
}
BENCHMARK(BM_RowCacheRead)->Arg(100'000)->Arg(1'000'000);

// A 100-key read (S2's shape) through ReadMany, whose prefetching overlaps the keys' memory accesses,
// against 100 Reads one after another (BM_RowCacheRead100Serial). Rows per second is the figure.
void FillAll(RowCache* cache, const std::vector<std::string>& keys) {
  const std::string row(kRowBytes, 'r');
  for (const std::string& k : keys) {
    const RowCache::Key key = RowCache::MakeKey(1, k);
    cache->Fill(key, cache->Ticket(key), row);
  }
}

void ReadBatches(benchmark::State& state, bool many) {
  const size_t n = static_cast<size_t>(state.range(0));
  const std::vector<std::string> keys = Keys(n);
  RowCache cache(n * 512);
  FillAll(&cache, keys);
  const std::vector<uint32_t> order = Order(n);
  std::vector<RowCache::Key> batch(100);
  std::string out;
  size_t next = 0;
  size_t hits = 0;
  auto visit = [&](size_t, const std::string_view* row) {
    if (row == nullptr) return;
    out.assign(*row);  // stands for decoding the row in place
    ++hits;
  };
  for (auto _ : state) {
    for (RowCache::Key& key : batch) key = RowCache::MakeKey(1, keys[order[next++ & (order.size() - 1)]]);
    if (many) {
      cache.ReadMany(batch, visit);
    } else {
      for (const RowCache::Key& key : batch) hits += cache.Read(key, &out) ? 1 : 0;
    }
  }
  if (hits != state.iterations() * batch.size()) state.SkipWithError("a cached key missed");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * batch.size()));
}
void BM_RowCacheReadMany100(benchmark::State& state) { ReadBatches(state, /*many=*/true); }
void BM_RowCacheRead100Serial(benchmark::State& state) { ReadBatches(state, /*many=*/false); }
BENCHMARK(BM_RowCacheReadMany100)->Arg(100'000)->Arg(1'000'000);
BENCHMARK(BM_RowCacheRead100Serial)->Arg(100'000)->Arg(1'000'000);

void BM_RocksLruCacheLookup(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const std::vector<std::string> keys = Keys(n);
  std::shared_ptr<rocksdb::Cache> cache = rocksdb::NewLRUCache(n * 512);
  for (const std::string& k : keys) {
    auto* row = new std::string(kRowBytes, 'r');
    cache->Insert(k, row, kRowBytes + k.size(),
                  [](const rocksdb::Slice&, void* value) { delete static_cast<std::string*>(value); });
  }
  const std::vector<uint32_t> order = Order(n);
  std::string out;
  size_t next = 0;
  for (auto _ : state) {
    rocksdb::Cache::Handle* handle = cache->Lookup(keys[order[next++ & (order.size() - 1)]]);
    if (handle != nullptr) {
      out.assign(*static_cast<const std::string*>(cache->Value(handle)));
      cache->Release(handle);
    }
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_RocksLruCacheLookup)->Arg(100'000)->Arg(1'000'000);

// A write's extra cost per row: invalidating a key the full cache does not hold (probe + generation bump).
void BM_RowCacheInvalidate(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const std::vector<std::string> keys = Keys(2 * n);  // the first n cached, the others written
  RowCache cache(n * 512);
  const std::string row(kRowBytes, 'r');
  for (size_t i = 0; i < n; ++i) {
    const RowCache::Key key = RowCache::MakeKey(1, keys[i]);
    cache.Fill(key, cache.Ticket(key), row);
  }
  const std::vector<uint32_t> order = Order(n);
  size_t next = 0;
  for (auto _ : state) {
    cache.Invalidate(RowCache::MakeKey(1, keys[n + order[next++ & (order.size() - 1)]]));
  }
}
BENCHMARK(BM_RowCacheInvalidate)->Arg(1'000'000);

// A 100-row write's invalidations of cached rows (S4's shape on a warm cache), through InvalidateMany
// and one by one; every invalidated row is filled again outside the timed region.
void InvalidateBatches(benchmark::State& state, bool many) {
  const size_t n = static_cast<size_t>(state.range(0));
  const std::vector<std::string> keys = Keys(n);
  RowCache cache(n * 512);
  FillAll(&cache, keys);
  const std::vector<uint32_t> order = Order(n);
  const std::string row(kRowBytes, 'r');
  std::vector<RowCache::Key> batch(100);
  size_t next = 0;
  for (auto _ : state) {
    for (RowCache::Key& key : batch) key = RowCache::MakeKey(1, keys[order[next++ & (order.size() - 1)]]);
    if (many) {
      cache.InvalidateMany(batch);
    } else {
      for (const RowCache::Key& key : batch) cache.Invalidate(key);
    }
    state.PauseTiming();
    for (const RowCache::Key& key : batch) cache.Fill(key, cache.Ticket(key), row);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * batch.size()));
}
void BM_RowCacheInvalidateMany100(benchmark::State& state) { InvalidateBatches(state, /*many=*/true); }
void BM_RowCacheInvalidate100Serial(benchmark::State& state) { InvalidateBatches(state, /*many=*/false); }
BENCHMARK(BM_RowCacheInvalidateMany100)->Arg(1'000'000);
BENCHMARK(BM_RowCacheInvalidate100Serial)->Arg(1'000'000);

}  // namespace
}  // namespace ofs::storage::rocks
