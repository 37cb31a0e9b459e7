// Micro-benchmarks of the catalog lookups every serving request makes: Catalog::Current() (the
// thread-local snapshot check), Snapshot::FindGroup (latest and explicit version) and GroupEntry::Find
// (case-insensitive column lookup), on a catalog of 1000 feature groups (100 entities, 10 groups each,
// 2 versions per group, 10 columns per version) plus one group of 100 columns. Also the snapshot rebuild
// an admin change triggers.

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/sqlite/sqlite_metadata_store.h"

namespace ofs::catalog {
namespace {

using model::DataType;

constexpr int kEntities = 100;
constexpr int kGroupsPerEntity = 10;
constexpr int kGroups = kEntities * kGroupsPerEntity;
constexpr DataType kTypes[] = {DataType::kInt,   DataType::kBigint, DataType::kDouble,
                               DataType::kFloat, DataType::kText,   DataType::kBoolean};

void Must(const Status& status, const char* what) {
  if (!status.ok()) {
    std::fprintf(stderr, "bench setup: %s: %s\n", what, status.ToString().c_str());
    std::abort();
  }
}

std::string GroupName(int g) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "group_%04d_features", g);
  return buf;
}

model::FeatureGroupMetadata Group(const std::string& name, const std::string& entity, int columns) {
  model::FeatureGroupMetadata meta;
  meta.name = name;
  meta.owner = "bench@ofs.io";
  meta.feature_group.feature_group_name = name;
  meta.feature_group.entity_name = entity;
  for (int c = 0; c < columns; ++c) {
    meta.feature_group.features.push_back(model::FeatureColumn{
        0, "feature_" + std::to_string(c) + "_value", kTypes[c % std::size(kTypes)], "", {}});
  }
  return meta;
}

// The catalog, built once for the process through the SQLite metadata store (as the server does).
struct Fixture {
  std::unique_ptr<SqliteMetadataStore> store;
  std::unique_ptr<Catalog> catalog;

  static Fixture& Get() {
    static Fixture* fixture = new Fixture();
    return *fixture;
  }

 private:
  Fixture() {
    auto opened = SqliteMetadataStore::Open(":memory:");
    Must(opened.status(), "metadata store");
    store = std::move(opened).value();
    for (int e = 0; e < kEntities; ++e) {
      model::EntityMetadata meta;
      meta.name = "entity_" + std::to_string(e);
      meta.owner = "bench@ofs.io";
      meta.entity.table_name = meta.name;
      meta.entity.features = {{0, "entity_id", DataType::kBigint, "", {}}};
      meta.entity.primary_keys = {"entity_id"};
      Must(store->CreateEntity(meta, 1).status(), "entity");
      for (int g = e * kGroupsPerEntity; g < (e + 1) * kGroupsPerEntity; ++g) {
        for (int version = 1; version <= 2; ++version) {
          Must(store->CreateFeatureGroup(Group(GroupName(g), meta.name, 10), version > 1, 1).status(),
               "group");
        }
      }
    }
    Must(store->CreateFeatureGroup(Group("wide_group", "entity_0", 100), false, 1).status(), "wide group");
    catalog = std::make_unique<Catalog>(store.get());
    Must(catalog->Refresh(true), "refresh");
  }
};

const Snapshot& CurrentSnapshot() { return *Fixture::Get().catalog->Current(); }

void BM_CatalogCurrent(benchmark::State& state) {
  const Catalog& catalog = *Fixture::Get().catalog;
  for (auto _ : state) benchmark::DoNotOptimize(catalog.Current());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CatalogCurrent);

// Names cycled through so that lookups do not hit one hash bucket only.
std::vector<std::string> SomeGroupNames() {
  std::vector<std::string> names;
  for (int g = 0; g < kGroups; g += 7) names.push_back(GroupName(g));
  return names;
}

void BM_FindGroupLatest(benchmark::State& state) {
  const Snapshot& snapshot = CurrentSnapshot();
  const std::vector<std::string> names = SomeGroupNames();
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(snapshot.FindGroup(names[i], std::nullopt));
    if (++i == names.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FindGroupLatest);

void BM_FindGroupVersion(benchmark::State& state) {
  const Snapshot& snapshot = CurrentSnapshot();
  const std::vector<std::string> names = SomeGroupNames();
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(snapshot.FindGroup(names[i], int64_t{1}));
    if (++i == names.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FindGroupVersion);

// Column lookup by plain name, every column of the group in turn; arg = columns of the group.
void BM_GroupEntryFind(benchmark::State& state) {
  const Snapshot& snapshot = CurrentSnapshot();
  const GroupEntry* group = state.range(0) == 100 ? snapshot.FindGroup("wide_group", std::nullopt)
                                                  : snapshot.FindGroup(GroupName(3), std::nullopt);
  std::vector<std::string> names;
  for (const ResolvedColumn& column : group->columns) {
    if (column.is_group_column) names.push_back(column.name);
  }
  if (names.size() != static_cast<size_t>(state.range(0))) {
    state.SkipWithError("unexpected column count");
    return;
  }
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(group->Find(names[i]));
    if (++i == names.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GroupEntryFind)->Arg(10)->Arg(100);

// The same with a name in another case than declared (still found: names match case-insensitively).
void BM_GroupEntryFindOtherCase(benchmark::State& state) {
  const GroupEntry* group = CurrentSnapshot().FindGroup(GroupName(3), std::nullopt);
  const std::string name = "FEATURE_7_VALUE";
  for (auto _ : state) benchmark::DoNotOptimize(group->Find(name));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GroupEntryFindOtherCase);

// Rebuild + publish after an admin change (load from SQLite, Snapshot::Build of 2001 group versions).
void BM_RefreshForced(benchmark::State& state) {
  Catalog& catalog = *Fixture::Get().catalog;
  for (auto _ : state) Must(catalog.Refresh(true), "refresh");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RefreshForced)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ofs::catalog
