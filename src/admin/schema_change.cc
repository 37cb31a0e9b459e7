#include "admin/schema_change.h"

#include <algorithm>
#include <utility>

namespace ofs::admin {
namespace {

bool SameColumns(const std::vector<model::ColumnSpec>& a, const std::vector<model::ColumnSpec>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const model::ColumnSpec& x, const model::ColumnSpec& y) {
                      return x.name == y.name && x.type == y.type;
                    });
}

// `error` with `note` appended to its cause.
Status WithNote(const Status& error, std::string_view note) {
  std::string cause(error.cause());
  if (!cause.empty()) cause += "; ";
  cause += note;
  return Status(error.code(), std::string(error.message()), std::move(cause));
}

}  // namespace

bool SameSchema(const model::TableSpec& a, const model::TableSpec& b) {
  return a.name == b.name && a.ttl_seconds == b.ttl_seconds && SameColumns(a.key_columns, b.key_columns) &&
         SameColumns(a.value_columns, b.value_columns);
}

Result<SchemaChange> SchemaChange::Begin(const AdminDeps& deps) {
  std::unique_lock<std::mutex> lock;
  if (deps.schema_lock) lock = std::unique_lock<std::mutex>(*deps.schema_lock);
  SchemaChange change(deps, std::move(lock));
  OFS_RETURN_IF_ERROR(deps.catalog->Refresh());
  change.before_ = deps.catalog->CurrentShared();
  if (change.before_ == nullptr) {
    return Status(ErrorCode::kMetastoreUnavailable, "the catalog is not loaded", "retry once /health is UP");
  }
  return change;
}

Status SchemaChange::Ensure(const model::TableSpec& table, const std::vector<std::string>& tenants) const {
  for (const std::string& tenant : tenants) {
    Status status = deps_->online->EnsureTable(tenant, table);
    if (!status.ok()) {
      return WithNote(status, "preparing table '" + table.name + "' on tenant '" + tenant + "'");
    }
  }
  return Status::Ok();
}

Status SchemaChange::Prepare(const model::TableSpec& table, std::vector<std::string_view> tenants) {
  std::sort(tenants.begin(), tenants.end());
  tenants.erase(std::unique(tenants.begin(), tenants.end()), tenants.end());
  Prepared& prepared = prepared_.emplace_back(Prepared{table, {}});
  for (std::string_view tenant : tenants) {
    // Recorded before the call: a failure may still have changed the TTL there.
    prepared.tenants.emplace_back(tenant);
    Status status = deps_->online->EnsureTable(tenant, table);
    if (status.ok()) continue;
    Status error = WithNote(status, "preparing table '" + table.name + "' on tenant '" + std::string(tenant) +
                                        "'; the metadata change was not made");
    Status restored = RestoreTtls();
    return restored.ok() ? error : WithNote(error, "putting back the TTL failed: " + restored.ToString());
  }
  return Status::Ok();
}

Status SchemaChange::RestoreTtls() const {
  for (const Prepared& prepared : prepared_) {
    const catalog::EntityEntry* entry = before_->FindEntity(prepared.table.name);
    if (entry == nullptr || entry->table.ttl_seconds == prepared.table.ttl_seconds) continue;
    OFS_RETURN_IF_ERROR(Ensure(entry->table, prepared.tenants));
  }
  return Status::Ok();
}

Status SchemaChange::Fail(Status error) {
  Status restored = RestoreTtls();
  deps_->catalog->Refresh().IgnoreError();  // best effort: the error answered is the commit's
  return restored.ok() ? error : WithNote(error, "putting back the TTL failed: " + restored.ToString());
}

Status SchemaChange::Publish(std::string_view committed) {
  auto after = [&](std::string_view step, const Status& error) {
    return Status(error.code(), std::string(committed) + ", but " + std::string(step) + " failed",
                  error.ToString());
  };
  Status refreshed = deps_->catalog->Refresh();
  if (!refreshed.ok()) return after("publishing it to the catalog", refreshed);
  std::shared_ptr<const catalog::Snapshot> now = deps_->catalog->CurrentShared();
  for (const Prepared& prepared : prepared_) {
    const catalog::EntityEntry* entry = now->FindEntity(prepared.table.name);
    if (entry == nullptr || SameSchema(entry->table, prepared.table)) continue;
    Status ensured = Ensure(entry->table, prepared.tenants);
    if (!ensured.ok()) return after("preparing its table as committed (changed meanwhile)", ensured);
  }
  return Status::Ok();
}

}  // namespace ofs::admin
