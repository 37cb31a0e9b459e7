#pragma once
// CassandraStore: the OnlineStore on Apache Cassandra / ScyllaDB over CQL (ARCHITECTURE.md section 4,
// storage/cassandra/README.md), in Darwin's layout (API.md section 5), so that a Darwin keyspace is
// served as is and OFS's tables are readable by Darwin.
//
// Layout. One table per entity, named after it (TableSpec::name); key and value columns by their
// physical names (ColumnSpec::name), lower-cased and quoted (cql_schema.h); PRIMARY KEY (k1, k2, ...)
// in declared order: k1 the partition key, the rest clustering columns, in Cassandra's order. A table
// is identified by its name: two TableSpecs with one name are one table.
//
// Tenants. A tenant mapped in CassandraStoreOptions::tenant_clusters uses that cluster and its keyspace
// as configured. Every other tenant uses the default cluster: the default tenant its keyspace (`ofs`),
// any other tenant `<keyspace>_<tenant>` (TenantKeyspace), so tenants stay isolated as on RocksDB.
// Sessions open on first use (one per distinct connection, shared by every tenant on it); after a
// failed connect, requests fail at once (STORE-UNAVAILABLE) for 1 s before the next attempt.
//
// Writes. Each row is an INSERT of its key columns and supplied cells only (`USING TTL ?` = the table's
// TTL at write time, 0 = none), with the driver's statement timestamp = write_time_micros, so replays
// are idempotent and the two clusters of a dual write agree; cells written with equal timestamps keep
// the greater value (Cassandra's reconciliation, bytewise on its serialized values). The INSERT's row
// marker makes a key-only row exist. Rows are grouped by partition: one UNLOGGED batch per partition
// (a single row: a plain execute), partitions written concurrently, at the write consistency
// (default LOCAL_QUORUM).
// Atomicity (weaker than online_store.h's "all rows or none"): the rows of one partition are applied
// atomically and in isolation when they fit in one batch (max_rows_per_batch rows); across partitions
// (and batches) there is no atomicity: when a write fails, some partitions may be written and others
// not. Every write is idempotent (fixed timestamps), so the caller's retry of the whole request
// converges to the complete write; README.md says why this beats a LOGGED batch.
// Empty partition keys: Cassandra rejects them; a write with one is refused whole (WRITE-FEATURE-GROUP-
// REQUEST) before anything is sent, and reads of one find nothing.
//
// Reads. One prepared `SELECT <requested columns> ... WHERE k1 = ? AND k2 = ?` per key (Darwin's shape),
// keys fanned out concurrently (at most max_in_flight_per_request at once), token-aware, at the read
// consistency (default LOCAL_ONE). A key is found when Cassandra returns its row (a live row marker or
// any live cell). No row cache: other writers (nodes, Darwin) change the same cluster.
//
// Scans. `WHERE k1 = ? [AND k2 = ? ...]` (partition key, then the clustering prefix), paged by the
// driver; the page token is the driver's paging state bound to its scan (table, partition, prefix) by a
// hash: a token of another scan, or a malformed one, is READ-FEATURE-GROUP-PARTITION-REQUEST.
//
// TTL. Cassandra expires cells by its own clock, from when the write arrived, in whole seconds (not
// from write_time_micros as RocksStore does). EnsureTable keeps the table's default_time_to_live equal
// to the catalog's TTL, so that writers without one (Darwin, cqlsh) agree.
//
// Schema. EnsureTable creates the keyspace (SimpleStrategy, replication_factor; an existing one is used
// as is) and the table if missing, adds missing columns, changes the default TTL when it differs, and
// waits for schema agreement after a change. It uses names, types and the TTL only (never ids: admin
// calls it with the spec the catalog will build). A column that exists with another type, a table with
// another primary key, or DDL Cassandra refuses is STORE-UNAVAILABLE (not retryable) naming both; an
// unreachable cluster STORE-UNAVAILABLE, retryable. It blocks (admin and health run off the event loop).
// A data operation that meets a missing table or column (a tenant written before admin prepared it)
// runs EnsureTable on the store's schema thread and retries once: reads of a missing table find nothing.
//
// Errors. Unavailable, timeouts, overload and connection failures are STORE-UNAVAILABLE marked
// retryable (Status::retryable); authentication and TLS configuration failures STORE-UNAVAILABLE not
// retryable; a statement or value Cassandra refuses is kInternal (a bug of OFS's), with the driver's
// message as the cause. Every statement has a deadline (request_timeout_ms), so each completion comes.
//
// Threading. Every method may be called concurrently from any thread. MultiGet, ScanPartition and
// Write never block: completions run on a driver thread (or inline when nothing was sent). EnsureTable
// and Health block. No call may be in flight when the store is destroyed.

#include <memory>
#include <string_view>

#include "base/status.h"
#include "storage/cassandra/cassandra_options.h"
#include "storage/online_store.h"

namespace ofs::storage {

class CassandraStore final : public OnlineStore {
 public:
  // Checks the options (contact points, keyspace names); connects nothing yet. INVALID-REQUEST on bad
  // options.
  static Result<std::unique_ptr<CassandraStore>> Open(cassandra::CassandraStoreOptions options);
  ~CassandraStore() override;

  void MultiGet(const ReadRequest& req, RowSet* out, Completion done) override;
  void ScanPartition(const ScanRequest& req, ScanResult* out, Completion done) override;
  void Write(const WriteRequest& req, Completion done) override;
  Status EnsureTable(std::string_view tenant, const model::TableSpec& table) override;
  // `SELECT release_version FROM system.local` on every configured cluster (opening its session when
  // needed), each within its request timeout: STORE-UNAVAILABLE naming the first that fails.
  Status Health() override;

  // The keyspace a tenant's tables live in (tests, operations).
  std::string KeyspaceOf(std::string_view tenant) const;

  struct Impl;

 private:
  explicit CassandraStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ofs::storage
