#pragma once
// The conformance suite of the OnlineStore seam: the semantics of online_store.h and API.md section 5
// that every implementation must honour (upsert, last-write-wins, idempotent replays, key-only rows,
// tenant isolation, clustering order and paging, TTL, durability across reopen, concurrent writers,
// large batches). An implementation runs it by instantiating it in its own test binary:
//
//   OFS_INSTANTIATE_ONLINE_STORE_CONFORMANCE(RocksDb, StoreUnderTest{"Rocks", open_fn, {}});
//
// Every test gets a fresh empty directory, a ManualClock, and a store from `open`. The suite drives the
// store through completions (inline or not) and waits for each with a timeout.

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "storage/online_store.h"

namespace ofs::storage::testing {

using StoreOpener = std::function<std::unique_ptr<OnlineStore>(Clock* clock, const std::string& dir)>;
using StoreReopener = std::function<std::unique_ptr<OnlineStore>(std::unique_ptr<OnlineStore> previous,
                                                                 Clock* clock, const std::string& dir)>;

struct StoreUnderTest {
  std::string name;  // test-name suffix: letters, digits and '_'
  // Opens a store over `dir`, an empty directory the test owns (a remote store may derive a namespace
  // from it). The store reads time only from `clock`, unless wall_clock_ttl. nullptr fails the test.
  StoreOpener open;
  // Optional: closes `previous` and opens the same data again. Default: destroy it, then open().
  StoreReopener reopen;
  // Optional: why the store cannot run here (e.g. no server configured); non-empty skips every test.
  std::function<std::string()> skip_reason;
  // Optional: after each test, once the store is closed: removes what the store keeps outside `dir`
  // (a remote store's namespaces).
  std::function<void(const std::string& dir)> cleanup;
  // The store expires cells by its own wall clock, from when a write arrived, in whole seconds
  // (Cassandra), not from the write time by `clock`: the TTL tests use TTLs of a few seconds and sleep.
  bool wall_clock_ttl = false;
  // The store can keep a row whose partition key is an empty string or blob (Cassandra cannot).
  bool empty_partition_keys = true;
};

// gtest prints the parameter by its name.
void PrintTo(const StoreUnderTest& store, std::ostream* os);

// A row to write: one canonical value per key column, then (column id, value bytes) cells.
struct TestRow {
  std::vector<std::string> key;
  std::vector<std::pair<uint32_t, std::string>> cells;
};

// The cells of one result row; nullopt = null.
using TestCells = std::vector<std::optional<std::string>>;

class OnlineStoreConformance : public ::testing::TestWithParam<StoreUnderTest> {
 protected:
  static constexpr int64_t kStartMicros = 1'700'000'000'000'000;

  void SetUp() override;
  void TearDown() override;

  OnlineStore& store() { return *store_; }
  // Closes the store and opens the same data again.
  void Reopen();

  Status Write(std::string_view tenant, const model::TableSpec& table, int64_t write_time,
               const std::vector<TestRow>& rows);
  Status Read(std::string_view tenant, const model::TableSpec& table,
              const std::vector<std::vector<std::string>>& keys, const std::vector<uint32_t>& columns,
              RowSet* out);
  Status Scan(std::string_view tenant, const model::TableSpec& table, std::string_view partition,
              const std::vector<uint32_t>& columns, size_t limit, std::string_view token, ScanResult* out,
              const std::vector<std::string>& clustering_prefix = {});
  // Every row of a partition, page by page; checks page sizes and tokens on the way.
  std::vector<TestCells> ScanAll(std::string_view tenant, const model::TableSpec& table,
                                 std::string_view partition, const std::vector<uint32_t>& columns,
                                 size_t limit, const std::vector<std::string>& clustering_prefix = {});

  bool wall_clock_ttl() const { return GetParam().wall_clock_ttl; }

  ManualClock clock_{kStartMicros};
  std::string dir_;
  std::unique_ptr<OnlineStore> store_;
};

// Parameter names for INSTANTIATE_TEST_SUITE_P. The instantiation macro references it, which also
// makes the linker keep the suite's tests from the static test-support library.
std::string StoreUnderTestName(const ::testing::TestParamInfo<StoreUnderTest>& info);

// Canonical value bytes (codec/value_codec.h) for building test rows.
std::string Int32Value(int32_t v);
std::string Int64Value(int64_t v);
std::string DoubleValue(double v);

// The cells of row `row` of `rows`.
TestCells RowCells(const RowSet& rows, size_t row);

}  // namespace ofs::storage::testing

// Instantiates the suite at namespace scope; `...` are StoreUnderTest values.
#define OFS_INSTANTIATE_ONLINE_STORE_CONFORMANCE(prefix, ...)                              \
  using ::ofs::storage::testing::OnlineStoreConformance;                                   \
  INSTANTIATE_TEST_SUITE_P(prefix, OnlineStoreConformance, ::testing::Values(__VA_ARGS__), \
                           ::ofs::storage::testing::StoreUnderTestName)
