#pragma once
// Internal to admin: storage before metadata (README.md, "Storage before metadata"). A change that
// needs storage — a new entity's table, a new version's columns, a new TTL, the table on new tenants —
// prepares the table the catalog WILL build once the change is committed (OnlineStore::EnsureTable with
// that prospective TableSpec: names, types, key order and TTL; ids may still be 0), then commits the
// metadata, then publishes it (Catalog::Refresh). Hence:
// - a storage failure leaves the metadata untouched: the request answers the store's error (503
//   STORE-UNAVAILABLE) and storage keeps at most a table or columns nothing uses yet, which is harmless
//   and which the retry's EnsureTable finds in place;
// - a failed commit puts back the one thing preparing changes that matters, the table TTL;
// - a failure after the commit answers an error saying what was committed.
//
// Usage, on one thread, for one request:
//   OFS_ASSIGN_OR_RETURN(SchemaChange change, SchemaChange::Begin(deps));
//   OFS_RETURN_IF_ERROR(change.Prepare(table, {tenant, ...}));   // any number of times
//   Status committed = deps.store->...;                           // the metadata change
//   if (!committed.ok()) return change.Fail(std::move(committed));
//   OFS_RETURN_IF_ERROR(change.Publish("entity 'user' was created"));
// Threading: a SchemaChange holds the process's schema lock (AdminDeps::schema_lock) from Begin to its
// destruction, so that no two changes of one process prepare from the same catalog (a group create
// preparing the old TTL after a TTL change prepared the new one). Changes made meanwhile by another
// admin process are caught up by Publish (see Publish); what remains is in README.md.

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "admin/admin.h"

namespace ofs::admin {

class SchemaChange {
 public:
  // Takes the schema lock (when the deps have one) and refreshes the catalog the change starts from.
  // Errors: the metadata store's (nothing done).
  static Result<SchemaChange> Begin(const AdminDeps& deps);

  SchemaChange(SchemaChange&&) = default;
  SchemaChange& operator=(SchemaChange&&) = delete;

  // The catalog as the change starts (never null).
  const catalog::Snapshot& before() const { return *before_; }

  // Ensures `table` (the table as it will be once the change is committed) on each distinct tenant,
  // in tenant order. On failure, puts back the TTL on the tenants already prepared and answers the
  // store's error, the table and tenant added to its cause: the caller returns it without committing.
  Status Prepare(const model::TableSpec& table, std::vector<std::string_view> tenants);

  // The commit failed (for a change made of several commits: not all of them happened, which `error`
  // must say). Puts back the TTL of every table prepared with another TTL than it had, refreshes the
  // catalog (so that a partial change is served), and returns `error`, with a note in its cause when
  // the TTL could not be put back.
  Status Fail(Status error);

  // The commit succeeded: refreshes the catalog, then ensures again, on the tenants prepared, every
  // table whose committed form differs from what was prepared (another admin process changed it in
  // between: a version number taken, a TTL set). Errors say that `committed` (e.g. "entity 'user' was
  // created") stands and which step after it failed.
  Status Publish(std::string_view committed);

 private:
  struct Prepared {
    model::TableSpec table;
    std::vector<std::string> tenants;
  };

  SchemaChange(const AdminDeps& deps, std::unique_lock<std::mutex> lock)
      : deps_(&deps), lock_(std::move(lock)) {}
  // Ensures `table` on `tenants`; the first failure, with the table and tenant in its cause.
  Status Ensure(const model::TableSpec& table, const std::vector<std::string>& tenants) const;
  // Puts back the TTL of every prepared table whose TTL the preparation changed. OK, or the first error.
  Status RestoreTtls() const;

  const AdminDeps* deps_;
  std::unique_lock<std::mutex> lock_;  // not owning a mutex when the deps have no schema lock
  std::shared_ptr<const catalog::Snapshot> before_;
  std::vector<Prepared> prepared_;
};

// Whether two table specs describe the same schema: name, TTL, and the names and types of the key and
// value columns in order (ids are not compared: a prospective spec may not have them yet).
bool SameSchema(const model::TableSpec& a, const model::TableSpec& b);

}  // namespace ofs::admin
