#pragma once
// ForwardingStore: an OnlineStore that passes every call to another one. Test wrappers derive from it
// and override only the calls they change (e.g. flushing after each write, or holding SyncWrites).

#include <string_view>
#include <utility>

#include "storage/online_store.h"

namespace ofs::storage::testing {

class ForwardingStore : public OnlineStore {
 public:
  // `inner` is not owned and outlives this store.
  explicit ForwardingStore(OnlineStore* inner) : inner_(inner) {}

  void MultiGet(const ReadRequest& req, RowSet* out, Completion done) override {
    inner_->MultiGet(req, out, std::move(done));
  }
  void ScanPartition(const ScanRequest& req, ScanResult* out, Completion done) override {
    inner_->ScanPartition(req, out, std::move(done));
  }
  void Write(const WriteRequest& req, Completion done) override { inner_->Write(req, std::move(done)); }
  void SyncWrites(Completion done, SyncStart start) override { inner_->SyncWrites(std::move(done), start); }
  void StartSyncs() override { inner_->StartSyncs(); }
  bool CompletesInline() const override { return inner_->CompletesInline(); }
  Status EnsureTable(std::string_view tenant, const model::TableSpec& table) override {
    return inner_->EnsureTable(tenant, table);
  }
  Status Health() override { return inner_->Health(); }

 protected:
  OnlineStore* inner() const { return inner_; }

 private:
  OnlineStore* const inner_;
};

}  // namespace ofs::storage::testing
