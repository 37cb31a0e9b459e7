#pragma once
// Test-only: the OnlineStore the admin tests run against. Admin never reads or writes values, so the
// data operations fail if called; EnsureTable records the tables prepared per tenant. Not thread-safe.

#include <cstdint>
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
    ensured.emplace_back(std::string(tenant), table.name);
    last_ttl = table.ttl_seconds;
    return Status::Ok();
  }
  Status Health() override { return Status::Ok(); }

  std::vector<std::pair<std::string, std::string>> ensured;  // (tenant, table)
  int64_t last_ttl = -1;
};

}  // namespace ofs::admin
