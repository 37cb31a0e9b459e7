#pragma once
// The conformance suite of the MetadataStore seam: the semantics of metadata_store.h and of
// catalog/README.md ("Semantics the store decides") that every engine must honour — ids and column-id
// allocation, case-insensitive names, version numbering, states, tenants, search, run records, the change
// counter — and their uniqueness when several admins (several stores over one database) race. An engine
// runs it by instantiating it in its own test binary:
//
//   OFS_INSTANTIATE_METADATA_STORE_CONFORMANCE(Sqlite, MetadataStoreUnderTest{"Sqlite", open_fn});
//
// Every test gets a fresh empty directory and a store from `open`; OpenAnother() opens another client
// of the same database (another admin process).

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "base/status.h"
#include "catalog/metadata_store.h"
#include "catalog/testing/fixtures.h"

namespace ofs::catalog::testing {

// Opens a store over the database that belongs to `dir`, an empty directory the test owns (an embedded
// engine keeps its file there; a server engine derives a database name from it). Each call is another
// client of the same database.
using MetadataOpener = std::function<Result<std::unique_ptr<MetadataStore>>(const std::string& dir)>;

struct MetadataStoreUnderTest {
  std::string name;  // test-name suffix: letters, digits and '_'
  MetadataOpener open;
  // Optional: why the engine cannot run here (e.g. no server configured); non-empty skips every test.
  std::function<std::string()> skip_reason;
  // Optional: after each test, once every store is closed: removes what the engine keeps outside `dir`.
  std::function<void(const std::string& dir)> cleanup;
};

void PrintTo(const MetadataStoreUnderTest& engine, std::ostream* os);
// The load-job tests (conformance_load_jobs.cc); MetadataStoreUnderTestName calls it so that they link.
void LinkLoadJobConformance();
// Parameter names for INSTANTIATE_TEST_SUITE_P; referencing it also keeps the suite's tests linked in.
std::string MetadataStoreUnderTestName(const ::testing::TestParamInfo<MetadataStoreUnderTest>& info);

class MetadataStoreConformance : public ::testing::TestWithParam<MetadataStoreUnderTest> {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Another client of the test's database (another admin); the test owns it.
  std::unique_ptr<MetadataStore> OpenAnother();
  model::EntityMetadata CreateUser(int64_t now = 100);
  model::FeatureGroupMetadata CreateGroup(const model::FeatureGroupMetadata& g, bool upgrade = false,
                                          int64_t now = 200);
  int64_t Counter();

  std::string dir_;
  std::unique_ptr<MetadataStore> store_;
};

}  // namespace ofs::catalog::testing

// Instantiates the suite at namespace scope; `...` are MetadataStoreUnderTest values.
#define OFS_INSTANTIATE_METADATA_STORE_CONFORMANCE(prefix, ...)                              \
  using ::ofs::catalog::testing::MetadataStoreConformance;                                   \
  INSTANTIATE_TEST_SUITE_P(prefix, MetadataStoreConformance, ::testing::Values(__VA_ARGS__), \
                           ::ofs::catalog::testing::MetadataStoreUnderTestName)
