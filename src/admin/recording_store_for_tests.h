#pragma once
// Test-only: the OnlineStore the admin tests run against. Admin never reads or writes values, so the
// data operations fail if called; EnsureTable records the tables prepared per tenant, and can be made to
// fail or to run a hook first. Not thread-safe: one request at a time.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/online_store.h"

namespace ofs::admin {

class RecordingStore final : public storage::OnlineStore {
 public:
  void MultiGet(const storage::ReadRequest&, storage::RowSet*, storage::Completion done) override {
    done(Status(ErrorCode::kInternal, "unused"));
  }
  void ScanPartition(const storage::ScanRequest&, storage::ScanResult*, storage::Completion done) override {
    done(Status(ErrorCode::kInternal, "unused"));
  }
  void Write(const storage::WriteRequest&, storage::Completion done) override {
    done(Status(ErrorCode::kInternal, "unused"));
  }
  Status EnsureTable(std::string_view tenant, const model::TableSpec& table) override {
    if (on_ensure) on_ensure(tenant, table);
    if (!fail_ensure.ok()) return fail_ensure;
    ensured.emplace_back(std::string(tenant), table.name);
    ensured_tables.push_back(table);
    last_ttl = table.ttl_seconds;
    return Status::Ok();
  }
  Status Health() override { return Status::Ok(); }

  std::vector<std::pair<std::string, std::string>> ensured;  // (tenant, table) of each successful call
  std::vector<model::TableSpec> ensured_tables;              // the spec of each successful call
  int64_t last_ttl = -1;
  // Fault injection: every EnsureTable fails with this when it is an error (and records nothing).
  Status fail_ensure;
  // Called first by every EnsureTable, e.g. to look at the metadata store at that moment.
  std::function<void(std::string_view tenant, const model::TableSpec& table)> on_ensure;
};

}  // namespace ofs::admin
