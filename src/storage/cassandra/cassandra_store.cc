#include "storage/cassandra/cassandra_store.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/log.h"
#include "storage/cassandra/cql_schema.h"
#include "storage/cassandra/cql_session.h"
#include "storage/cassandra/cql_values.h"
#include "storage/request_check.h"

namespace ofs::storage {

using cassandra::BoundValues;
using cassandra::CassandraClusterOptions;
using cassandra::CassandraStoreOptions;
using cassandra::Consistency;
using cassandra::CqlCallback;
using cassandra::CqlResult;
using cassandra::CqlSession;
using cassandra::PreparedPtr;
using cassandra::PrepareResult;
using model::ColumnSpec;
using model::DataType;
using model::TableSpec;

namespace {

constexpr auto kReconnectBackoff = std::chrono::seconds(1);
constexpr uint32_t kSchemaTimeoutMs = 20'000;  // DDL and schema agreement
constexpr int32_t kMaxPageRows = 5000;         // rows per CQL page of a scan, whatever its limit
constexpr char kTokenVersion = 1;
// Cassandra refuses TTLs above 20 years (Attributes.MAX_TTL); a longer one is stored as that.
constexpr int64_t kMaxTtlSeconds = 20 * 365 * 86'400;
constexpr size_t kTokenHeader = 1 + 8;  // version, binding hash

int32_t CqlConsistency(Consistency c) {
  switch (c) {
    case Consistency::kAny:
      return OFS_CQL_CL_ANY;
    case Consistency::kOne:
      return OFS_CQL_CL_ONE;
    case Consistency::kTwo:
      return OFS_CQL_CL_TWO;
    case Consistency::kThree:
      return OFS_CQL_CL_THREE;
    case Consistency::kQuorum:
      return OFS_CQL_CL_QUORUM;
    case Consistency::kAll:
      return OFS_CQL_CL_ALL;
    case Consistency::kLocalQuorum:
      return OFS_CQL_CL_LOCAL_QUORUM;
    case Consistency::kEachQuorum:
      return OFS_CQL_CL_EACH_QUORUM;
    case Consistency::kLocalOne:
      return OFS_CQL_CL_LOCAL_ONE;
  }
  return OFS_CQL_CL_DEFAULT;
}

cassandra::CqlConfig ConfigOf(const CassandraClusterOptions& o) {
  cassandra::CqlConfig c;
  c.contact_points = o.contact_points;
  c.local_dc = o.local_dc;
  c.username = o.username;
  c.password = o.password;
  c.tls = o.tls;
  c.tls_ca_file = o.tls_ca_file;
  c.tls_verify = o.tls_verify;
  c.connect_timeout_ms = o.connect_timeout_ms;
  c.request_timeout_ms = o.request_timeout_ms;
  c.schema_agreement_timeout_ms = kSchemaTimeoutMs;
  c.speculative_max_retries = o.speculative_retries;
  c.speculative_delay_ms = o.speculative_delay_ms;
  return c;
}

Status CheckCluster(const CassandraClusterOptions& o, std::string_view which) {
  auto bad = [&](std::string what) {
    return Status(ErrorCode::kInvalidRequest, "cassandra store options: " + std::string(which) + ": " + what);
  };
  if (o.contact_points.empty()) return bad("no contact points");
  if (o.keyspace.empty() || o.keyspace.size() > 48) return bad("keyspace must have 1-48 characters");
  for (char c : o.keyspace) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
      return bad("keyspace '" + o.keyspace + "' has a character other than [A-Za-z0-9_]");
    }
  }
  if (o.replication_factor < 1) return bad("replication_factor must be at least 1");
  if (o.request_timeout_ms == 0 || o.connect_timeout_ms == 0) return bad("timeouts must be at least 1 ms");
  return Status::Ok();
}

const ColumnSpec* FindValueColumn(const TableSpec& table, uint32_t id) {
  for (const ColumnSpec& c : table.value_columns) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

bool CanBeEmpty(DataType type) {
  return type == DataType::kText || type == DataType::kVarchar || type == DataType::kAscii ||
         type == DataType::kBlob;
}

std::string TableName(std::string_view keyspace, const TableSpec& table) {
  return std::string(keyspace) + "." + cassandra::CqlName(table.name);
}

// A single thread for schema changes the data path needs (a table or column met missing): EnsureTable
// blocks, so it cannot run on the caller's thread or a driver thread.
class SchemaWorker {
 public:
  ~SchemaWorker() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  void Post(std::function<void()> task) {
    std::lock_guard lock(mu_);
    tasks_.push_back(std::move(task));
    if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
    cv_.notify_one();
  }

 private:
  void Run() {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [this] { return stop_ || !tasks_.empty(); });
      if (tasks_.empty()) return;
      std::function<void()> task = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      task();
      lock.lock();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stop_ = false;
  std::thread thread_;
};

using SessionPtr = std::shared_ptr<CqlSession>;
using SessionCallback = std::function<void(Result<SessionPtr>)>;

// One cluster (one connection configuration) and its session, opened on first use.
struct Cluster {
  size_t index = 0;
  CassandraClusterOptions options;
  std::mutex mu;
  SessionPtr session;
  bool opening = false;
  std::vector<SessionCallback> waiters;
  Status last_error;
  std::chrono::steady_clock::time_point retry_after;
};

// Where one tenant's tables are: a cluster's session, and the keyspace and levels the tenant's options
// (or the default cluster's) name.
struct Target {
  Cluster* cluster = nullptr;
  const CassandraClusterOptions* settings = nullptr;
  std::string keyspace;
};

// A prepared statement of the cache, prepared by its first user.
struct StatementSlot {
  std::mutex mu;
  PreparedPtr prepared;
  bool preparing = false;
  std::vector<CqlSession::PrepareCallback> waiters;
};

// A statement ready to run.
struct Ready {
  SessionPtr session;
  PreparedPtr statement;
  int32_t category = OFS_CQL_OK;  // why there is no statement
  Status status;
};
using ReadyCallback = std::function<void(Ready)>;

}  // namespace

struct CassandraStore::Impl {
  CassandraStoreOptions options;
  std::vector<std::unique_ptr<Cluster>> clusters;               // [0] the default; fixed after Open
  std::map<std::string, Cluster*, std::less<>> tenant_cluster;  // tenants with a cluster of their own

  mutable std::shared_mutex targets_mu;
  mutable std::unordered_map<std::string, Target> targets;

  std::mutex statements_mu;
  std::unordered_map<std::string, std::shared_ptr<StatementSlot>> statements;  // cluster index + CQL text

  std::mutex schema_mu;  // one EnsureTable at a time
  // Background EnsureTable calls in progress (tenant + table shape -> callers waiting), so that the many
  // requests that meet one missing table share one.
  std::mutex ensuring_mu;
  std::map<std::string, std::vector<std::function<void(Status)>>> ensuring;
  SchemaWorker schema_worker;  // last: joined before the rest goes

  Target TargetOf(std::string_view tenant) const;
  void WithSession(Cluster& cluster, SessionCallback use);
  Result<SessionPtr> SessionSync(Cluster& cluster);
  void WithStatement(const Target& target, const std::string& cql, ReadyCallback use);
  void Invalidate(const Target& target, std::string_view table);
  Status EnsureTableSync(std::string_view tenant, const TableSpec& table);
  Status EnsureTableOnce(const Target& target, CqlSession& session, const TableSpec& table, bool* changed);
  // Runs EnsureTable on the schema thread, then `then` with its status (on that thread).
  void EnsureInBackground(std::string tenant, const TableSpec& table, std::function<void(Status)> then);
};

// ---- sessions, statements, tenants

Target CassandraStore::Impl::TargetOf(std::string_view tenant) const {
  {
    std::shared_lock lock(targets_mu);
    if (auto it = targets.find(std::string(tenant)); it != targets.end()) return it->second;
  }
  Target target;
  if (auto it = tenant_cluster.find(tenant); it != tenant_cluster.end()) {
    target.cluster = it->second;
    target.settings = &options.tenant_clusters.find(tenant)->second;
    target.keyspace = cassandra::CqlName(target.settings->keyspace);
  } else {
    target.cluster = clusters[0].get();
    target.settings = &options.cluster;
    target.keyspace = cassandra::TenantKeyspace(cassandra::CqlName(options.cluster.keyspace), tenant);
  }
  std::unique_lock lock(targets_mu);
  targets.emplace(std::string(tenant), target);
  return target;
}

void CassandraStore::Impl::WithSession(Cluster& cluster, SessionCallback use) {
  std::unique_lock lock(cluster.mu);
  if (cluster.session != nullptr) {
    SessionPtr session = cluster.session;
    lock.unlock();
    return use(std::move(session));
  }
  if (!cluster.opening && std::chrono::steady_clock::now() < cluster.retry_after) {
    Status status = cluster.last_error;
    lock.unlock();
    return use(std::move(status));
  }
  cluster.waiters.push_back(std::move(use));
  if (cluster.opening) return;
  cluster.opening = true;
  lock.unlock();
  CqlSession::Open(ConfigOf(cluster.options), [&cluster](Result<SessionPtr> opened) {
    std::vector<SessionCallback> waiters;
    Result<SessionPtr> outcome = std::move(opened);
    {
      std::lock_guard guard(cluster.mu);
      cluster.opening = false;
      if (outcome.ok()) {
        cluster.session = *outcome;
      } else {
        const Status& cause = outcome.status();
        Status status(ErrorCode::kStoreUnavailable,
                      "cassandra cluster " + cluster.options.Describe() + " is unreachable",
                      std::string(cause.cause()));
        if (cause.retryable()) status = std::move(status).MarkRetryable();
        cluster.last_error = status;
        cluster.retry_after = std::chrono::steady_clock::now() + kReconnectBackoff;
        OFS_LOG_EVERY_N_SEC(10, OFS_LOG_WARN, "storage", "{}", status.ToString());
        outcome = std::move(status);
      }
      waiters.swap(cluster.waiters);
    }
    // Last: a waiter may complete a request whose caller then destroys the store.
    for (SessionCallback& waiter : waiters) waiter(outcome);
  });
}

Result<SessionPtr> CassandraStore::Impl::SessionSync(Cluster& cluster) {
  std::promise<Result<SessionPtr>> promise;
  auto future = promise.get_future();
  WithSession(cluster, [&promise](Result<SessionPtr> r) { promise.set_value(std::move(r)); });
  return future.get();
}

void CassandraStore::Impl::WithStatement(const Target& target, const std::string& cql, ReadyCallback use) {
  WithSession(*target.cluster, [this, target, cql, use = std::move(use)](Result<SessionPtr> session) mutable {
    if (!session.ok()) return use(Ready{nullptr, nullptr, OFS_CQL_ERR_CONNECTION, session.status()});
    std::shared_ptr<StatementSlot> slot;
    {
      std::lock_guard lock(statements_mu);
      // Bounded: distinct column sets are few in practice, but a client chooses the columns it reads.
      if (statements.size() >= options.max_prepared_statements) statements.clear();
      std::shared_ptr<StatementSlot>& entry = statements[std::to_string(target.cluster->index) + "\n" + cql];
      if (entry == nullptr) entry = std::make_shared<StatementSlot>();
      slot = entry;
    }
    SessionPtr s = *session;
    auto deliver = [s, use = std::move(use)](PrepareResult r) {
      use(Ready{s, std::move(r.statement), r.category, std::move(r.status)});
    };
    std::unique_lock lock(slot->mu);
    if (slot->prepared != nullptr) {
      PreparedPtr prepared = slot->prepared;
      lock.unlock();
      return deliver(PrepareResult{std::move(prepared), OFS_CQL_OK, Status::Ok()});
    }
    slot->waiters.push_back(std::move(deliver));
    if (slot->preparing) return;
    slot->preparing = true;
    lock.unlock();
    s->Prepare(cql, [slot](PrepareResult r) {
      std::vector<CqlSession::PrepareCallback> waiters;
      {
        std::lock_guard guard(slot->mu);
        slot->preparing = false;
        if (r.statement != nullptr)
          slot->prepared = r.statement;  // failures are not kept: the next use retries
        waiters.swap(slot->waiters);
      }
      for (auto& waiter : waiters) waiter(r);
    });
  });
}

void CassandraStore::Impl::Invalidate(const Target& target, std::string_view table) {
  const std::string prefix = std::to_string(target.cluster->index) + "\n";
  const std::string name = cassandra::QuoteName(target.keyspace) + "." + cassandra::QuoteName(table);
  std::lock_guard lock(statements_mu);
  std::erase_if(statements, [&](const auto& entry) {
    return entry.first.starts_with(prefix) && entry.first.find(name) != std::string::npos;
  });
}

void CassandraStore::Impl::EnsureInBackground(std::string tenant, const TableSpec& table,
                                              std::function<void(Status)> then) {
  std::string key = tenant + "\n" + table.name + "\n" + std::to_string(table.ttl_seconds);
  for (const auto* columns : {&table.key_columns, &table.value_columns}) {
    for (const ColumnSpec& c : *columns)
      key += "\n" + c.name + " " + std::string(model::DataTypeName(c.type));
  }
  {
    std::lock_guard lock(ensuring_mu);
    auto [it, added] = ensuring.try_emplace(key);
    it->second.push_back(std::move(then));
    if (!added) return;
  }
  schema_worker.Post([this, key = std::move(key), tenant = std::move(tenant), table] {
    const Status status = EnsureTableSync(tenant, table);
    std::vector<std::function<void(Status)>> waiters;
    {
      std::lock_guard lock(ensuring_mu);
      waiters = std::move(ensuring[key]);
      ensuring.erase(key);
    }
    for (auto& waiter : waiters) waiter(status);  // last: a waiter may complete a request
  });
}

// ---- schema

namespace {

struct ExistingColumn {
  std::string kind;  // partition_key, clustering, regular, static
  int64_t position = -1;
  std::string type;
};

ofs_cql_exec_options SchemaOptions() {
  ofs_cql_exec_options o{};
  o.request_timeout_ms = kSchemaTimeoutMs;
  o.idempotent = 1;
  return o;
}

std::string_view Text(const ofs_cql_value& v) {
  return v.len == 0 ? std::string_view() : std::string_view(reinterpret_cast<const char*>(v.data), v.len);
}

Status Ddl(CqlSession& session, const std::string& cql, std::string_view what) {
  const CqlResult r = session.QuerySync(cql, SchemaOptions());
  return cassandra::CqlStatus(r, what);
}

Result<std::map<std::string, ExistingColumn>> ReadColumns(CqlSession& session, std::string_view keyspace,
                                                          std::string_view table) {
  const CqlResult r = session.QuerySync(cassandra::ColumnsQueryCql(keyspace, table), SchemaOptions());
  OFS_RETURN_IF_ERROR(
      cassandra::CqlStatus(r, "read the columns of " + std::string(keyspace) + "." + std::string(table)));
  std::map<std::string, ExistingColumn> columns;
  for (size_t i = 0; i < r.rows(); ++i) {
    const auto row = r.row(i);
    if (row.size() < 4) break;
    columns[std::string(Text(row[0]))] =
        ExistingColumn{std::string(Text(row[1])), row[2].i64, std::string(Text(row[3]))};
  }
  return columns;
}

Status Mismatch(std::string_view table, std::string what) {
  return Status(ErrorCode::kInternal, "cassandra table " + std::string(table) + " does not match the catalog",
                what);
}

}  // namespace

Status CassandraStore::Impl::EnsureTableOnce(const Target& target, CqlSession& session,
                                             const TableSpec& table, bool* changed) {
  const std::string& ks = target.keyspace;
  const std::string name = TableName(ks, table);
  OFS_RETURN_IF_ERROR(Ddl(session, cassandra::CreateKeyspaceCql(ks, target.settings->replication_factor),
                          "create keyspace " + ks));
  OFS_ASSIGN_OR_RETURN(auto columns, ReadColumns(session, ks, table.name));
  if (columns.empty()) {
    OFS_RETURN_IF_ERROR(Ddl(session, cassandra::CreateTableCql(ks, table), "create table " + name));
    *changed = true;
    OFS_ASSIGN_OR_RETURN(columns, ReadColumns(session, ks, table.name));
    if (columns.empty())
      return Status(ErrorCode::kInternal, "cassandra: table " + name + " is missing after CREATE");
  }
  size_t existing_keys = 0;
  for (const auto& [column, info] : columns)
    existing_keys += info.kind == "partition_key" || info.kind == "clustering";
  for (size_t i = 0; i < table.key_columns.size(); ++i) {
    const ColumnSpec& key = table.key_columns[i];
    const auto it = columns.find(cassandra::CqlName(key.name));
    const char* kind = i == 0 ? "partition_key" : "clustering";
    const int64_t position = i == 0 ? 0 : static_cast<int64_t>(i) - 1;
    if (it == columns.end() || it->second.kind != kind || it->second.position != position ||
        existing_keys != table.key_columns.size()) {
      return Mismatch(
          name, "its primary key is not (" + [&] {
            std::string keys;
            for (const ColumnSpec& k : table.key_columns)
              keys += (keys.empty() ? "" : ", ") + cassandra::CqlName(k.name);
            return keys;
          }() + ")");
    }
    if (!cassandra::CqlTypeMatches(key.type, it->second.type)) {
      return Mismatch(name, "key column " + it->first + " is " + it->second.type + ", the catalog says " +
                                std::string(model::DataTypeName(key.type)));
    }
  }
  std::vector<const ColumnSpec*> missing;
  for (const ColumnSpec& c : table.value_columns) {
    const auto it = columns.find(cassandra::CqlName(c.name));
    if (it == columns.end()) {
      missing.push_back(&c);
    } else if (!cassandra::CqlTypeMatches(c.type, it->second.type)) {
      return Mismatch(name, "column " + it->first + " is " + it->second.type + ", the catalog says " +
                                std::string(model::DataTypeName(c.type)));
    }
  }
  if (!missing.empty()) {
    OFS_RETURN_IF_ERROR(
        Ddl(session, cassandra::AddColumnsCql(ks, table.name, missing), "add columns to " + name));
    *changed = true;
  }
  const CqlResult ttl = session.QuerySync(cassandra::TtlQueryCql(ks, table.name), SchemaOptions());
  OFS_RETURN_IF_ERROR(cassandra::CqlStatus(ttl, "read the TTL of " + name));
  if (ttl.rows() == 0 || ttl.row(0).empty() || ttl.row(0)[0].i64 != table.ttl_seconds) {
    OFS_RETURN_IF_ERROR(
        Ddl(session, cassandra::SetTtlCql(ks, table.name, table.ttl_seconds), "set the TTL of " + name));
    *changed = true;
  }
  return Status::Ok();
}

Status CassandraStore::Impl::EnsureTableSync(std::string_view tenant, const TableSpec& spec) {
  TableSpec table = spec;
  table.ttl_seconds = std::clamp<int64_t>(spec.ttl_seconds, 0, kMaxTtlSeconds);
  const Target target = TargetOf(tenant);
  OFS_ASSIGN_OR_RETURN(SessionPtr session, SessionSync(*target.cluster));
  std::lock_guard lock(schema_mu);
  bool changed = false;
  Status status = EnsureTableOnce(target, *session, table, &changed);
  if (!status.ok() && status.code() == ErrorCode::kInternal && status.message().starts_with("cassandra:")) {
    // Another writer may have changed the table between our read and our change (ALTER ... ADD of a
    // column it just added): read again once.
    status = EnsureTableOnce(target, *session, table, &changed);
  }
  if (changed) {
    const CqlResult agreed = session->AwaitSchemaAgreementSync();
    if (status.ok()) status = cassandra::CqlStatus(agreed, "schema agreement");
    Invalidate(target, cassandra::CqlName(table.name));
  }
  return status;
}

// ---- reads

namespace {

// State shared by a MultiGet's completions: keys go out at most `window` at a time; each completion
// fills its row under the mutex (RowSet is not thread-safe) and starts the next key.
class ReadJob : public std::enable_shared_from_this<ReadJob> {
 public:
  ReadJob(CassandraStore::Impl* store, const ReadRequest& req, RowSet* out, Completion done)
      : store_(store), req_(req), out_(out), done_(std::move(done)) {}

  void Start() {
    const Status check = CheckReadRequest(req_);
    if (!check.ok()) return done_(check);
    const TableSpec& table = *req_.table;
    keys_ = req_.keys.size() / table.key_columns.size();
    out_->Reset(req_.column_ids.size());
    for (size_t i = 0; i < keys_; ++i) out_->AddRow(false);
    if (keys_ == 0) return done_(Status::Ok());
    target_ = store_->TargetOf(req_.tenant);
    // The SELECT names the known requested columns once each, by id (so that requests that differ in
    // order or duplicates share a statement); output_select_ maps each requested column to it.
    for (uint32_t id : req_.column_ids) {
      if (FindValueColumn(table, id) != nullptr) select_ids_.push_back(id);
    }
    std::sort(select_ids_.begin(), select_ids_.end());
    select_ids_.erase(std::unique(select_ids_.begin(), select_ids_.end()), select_ids_.end());
    for (uint32_t id : select_ids_) {
      const ColumnSpec* column = FindValueColumn(table, id);
      select_names_.push_back(column->name);
      select_types_.push_back(column->type);
    }
    for (uint32_t id : req_.column_ids) {
      const auto it = std::lower_bound(select_ids_.begin(), select_ids_.end(), id);
      output_select_.push_back(
          it != select_ids_.end() && *it == id ? static_cast<int>(it - select_ids_.begin()) : -1);
    }
    std::vector<std::string_view> names = select_names_;
    if (names.empty()) names.push_back(table.key_columns[0].name);  // a row's existence only
    std::vector<std::string_view> where;
    for (const ColumnSpec& k : table.key_columns) where.push_back(k.name);
    cql_ = cassandra::SelectCql(target_.keyspace, table.name, names, where);
    exec_.consistency = CqlConsistency(target_.settings->read_consistency);
    exec_.idempotent = 1;
    Prepare();
  }

 private:
  void Prepare() {
    auto self = shared_from_this();
    store_->WithStatement(target_, cql_, [self](Ready ready) { self->OnPrepared(std::move(ready)); });
  }

  void OnPrepared(Ready ready) {
    if (ready.statement == nullptr) {
      if (ready.category == OFS_CQL_ERR_NO_TABLE) return done_(Status::Ok());  // never written: no rows
      if (ready.category == OFS_CQL_ERR_NO_COLUMN && !retried_) {
        retried_ = true;
        auto self = shared_from_this();
        return store_->EnsureInBackground(std::string(req_.tenant), *req_.table, [self](Status status) {
          if (!status.ok()) return self->done_(std::move(status));
          self->Prepare();
        });
      }
      return done_(std::move(ready.status));
    }
    session_ = std::move(ready.session);
    statement_ = std::move(ready.statement);
    pending_ = keys_;
    const size_t window = std::max<size_t>(1, std::min(keys_, store_->options.max_in_flight_per_request));
    for (size_t i = 0; i < window; ++i) Pump();
  }

  // Starts the next key, skipping those that need no query; returns once one is in flight or none is left.
  void Pump() {
    for (;;) {
      const size_t i = next_.fetch_add(1);
      if (i >= keys_) return;
      const size_t width = req_.table->key_columns.size();
      const std::span<const std::string_view> key = req_.keys.subspan(i * width, width);
      if (stop_.load() || (key[0].empty() && CanBeEmpty(req_.table->key_columns[0].type))) {
        if (FinishOne()) return;
        continue;
      }
      BoundValues values;
      Status status;
      for (size_t k = 0; k < width && status.ok(); ++k)
        status = values.Add(req_.table->key_columns[k].type, key[k]);
      if (!status.ok()) {
        Fail(std::move(status));
        if (FinishOne()) return;
        continue;
      }
      auto self = shared_from_this();
      session_->Execute(statement_.get(), values.values(), exec_, [self, i](CqlResult r) {
        self->OnRow(i, r);
        if (!self->FinishOne()) self->Pump();
      });
      return;
    }
  }

  void OnRow(size_t i, const CqlResult& r) {
    if (r.category() == OFS_CQL_ERR_NO_TABLE) return;  // dropped since the statement was prepared: no row
    if (!r.ok()) return Fail(cassandra::CqlStatus(r, "read of " + TableName(target_.keyspace, *req_.table)));
    if (r.rows() == 0) return;
    const auto row = r.row(0);
    std::lock_guard lock(mu_);
    out_->SetFound(i);
    for (size_t c = 0; c < output_select_.size(); ++c) {
      const int s = output_select_[c];
      if (s < 0 || static_cast<size_t>(s) >= row.size() || row[s].type == OFS_CQL_NULL) continue;
      scratch_.clear();
      Status status = cassandra::AppendCanonical(select_types_[s], row[s], &scratch_);
      if (!status.ok()) {
        if (error_.ok()) error_ = std::move(status);
        stop_ = true;
        return;
      }
      out_->SetCell(i, c, scratch_);
    }
  }

  void Fail(Status status) {
    std::lock_guard lock(mu_);
    if (error_.ok()) error_ = std::move(status);
    stop_ = true;
  }

  // True for the key that completes the request: it calls done_ (last: the caller may free everything).
  bool FinishOne() {
    if (pending_.fetch_sub(1) != 1) return false;
    Status status;
    {
      std::lock_guard lock(mu_);
      status = std::move(error_);
    }
    done_(std::move(status));
    return true;
  }

  CassandraStore::Impl* store_;
  const ReadRequest req_;
  RowSet* const out_;
  Completion done_;
  Target target_;
  size_t keys_ = 0;
  std::vector<uint32_t> select_ids_;
  std::vector<std::string_view> select_names_;
  std::vector<DataType> select_types_;
  std::vector<int> output_select_;  // per requested column: its index in the SELECT, -1 = unknown (null)
  std::string cql_;
  ofs_cql_exec_options exec_{};
  bool retried_ = false;
  SessionPtr session_;
  PreparedPtr statement_;
  std::atomic<size_t> next_{0};
  std::atomic<size_t> pending_{0};
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  Status error_;
  std::string scratch_;
};

// ---- scans

Status BadToken(std::string_view why) {
  return Status(ErrorCode::kReadFeatureGroupPartitionRequest, "invalid page token", std::string(why));
}

// A scan's pages, one after another (so no locking): each page asks Cassandra for what is left of
// `limit` and continues while Cassandra returns short pages with more to come.
class ScanJob : public std::enable_shared_from_this<ScanJob> {
 public:
  ScanJob(CassandraStore::Impl* store, const ScanRequest& req, ScanResult* out, Completion done)
      : store_(store), req_(req), out_(out), done_(std::move(done)) {}

  void Start() {
    const Status check = CheckScanRequest(req_);
    if (!check.ok()) return done_(check);
    const TableSpec& table = *req_.table;
    const size_t keys = table.key_columns.size();
    out_->rows.Reset(keys + req_.column_ids.size());
    out_->next_page_token.clear();
    target_ = store_->TargetOf(req_.tenant);
    for (const ColumnSpec& k : table.key_columns) {
      select_names_.push_back(k.name);
      select_types_.push_back(k.type);
    }
    for (uint32_t id : req_.column_ids) {
      const ColumnSpec* column = FindValueColumn(table, id);
      int select = -1;
      if (column != nullptr) {
        const auto it = std::find(select_names_.begin() + static_cast<ptrdiff_t>(keys), select_names_.end(),
                                  std::string_view(column->name));
        select = static_cast<int>(it - select_names_.begin());
        if (it == select_names_.end()) {
          select_names_.push_back(column->name);
          select_types_.push_back(column->type);
        }
      }
      output_select_.push_back(select);
    }
    std::vector<std::string_view> where = {table.key_columns[0].name};
    for (size_t i = 0; i < req_.clustering_prefix.size(); ++i) where.push_back(table.key_columns[i + 1].name);
    binding_ = Binding();
    Status token = DecodeToken();
    if (!token.ok()) return done_(std::move(token));
    if (req_.partition_key.empty() && CanBeEmpty(table.key_columns[0].type)) return done_(Status::Ok());
    cql_ = cassandra::SelectCql(target_.keyspace, table.name, select_names_, where);
    exec_.consistency = CqlConsistency(target_.settings->read_consistency);
    exec_.idempotent = 1;
    Prepare();
  }

 private:
  // The scan a token belongs to: the keyspace, the table and the partition (not the prefix: a token
  // resumes after its row, in any prefix that row is in, as on RocksDB).
  uint64_t Binding() const {
    uint64_t h = cassandra::Fnv1a64(target_.keyspace);
    const std::string table = cassandra::CqlName(req_.table->name), id = std::to_string(req_.table->id);
    for (std::string_view part : {std::string_view(table), std::string_view(id), req_.partition_key}) {
      h = cassandra::Fnv1a64(std::to_string(part.size()) + ":", h);
      h = cassandra::Fnv1a64(part, h);
    }
    return h;
  }

  // A token: version byte | 8-byte check | the last row's clustering values (varint count, then varint
  // length + canonical bytes each) | Cassandra's paging state. The check hashes the binding and the rest,
  // so a token of another scan or an altered one fails it.
  static void PutVarint(uint64_t v, std::string* out) {
    for (; v >= 0x80; v >>= 7) out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    out->push_back(static_cast<char>(v));
  }
  static bool GetVarint(std::string_view* in, uint64_t* v) {
    *v = 0;
    for (int shift = 0; shift < 64 && !in->empty(); shift += 7) {
      const uint8_t b = static_cast<uint8_t>(in->front());
      in->remove_prefix(1);
      *v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  }

  Status DecodeToken() {
    if (req_.page_token.empty()) return Status::Ok();
    std::string_view t = req_.page_token;
    if (t.size() <= kTokenHeader || t[0] != kTokenVersion)
      return BadToken("the token is not one OFS returned");
    uint64_t check = 0;
    for (size_t i = 1; i < kTokenHeader; ++i) check = (check << 8) | static_cast<uint8_t>(t[i]);
    t.remove_prefix(kTokenHeader);
    if (check != cassandra::Fnv1a64(t, binding_)) {
      return BadToken("the token belongs to another partition or table, or was altered");
    }
    uint64_t count = 0;
    if (!GetVarint(&t, &count) || count + 1 != req_.table->key_columns.size()) {
      return BadToken("the token does not fit the table's key");
    }
    for (uint64_t i = 0; i < count; ++i) {
      uint64_t size = 0;
      if (!GetVarint(&t, &size) || size > t.size()) return BadToken("the token is truncated");
      if (i < req_.clustering_prefix.size() && t.substr(0, size) != req_.clustering_prefix[i]) {
        return BadToken("the token's row is outside the requested clustering prefix");
      }
      t.remove_prefix(size);
    }
    if (t.empty()) return BadToken("the token has no paging state");
    state_ = std::string(t);
    from_token_ = true;
    return Status::Ok();
  }

  std::string EncodeToken() const {
    const RowSet& rows = out_->rows;
    const size_t last = rows.rows() - 1;
    std::string body;
    PutVarint(req_.table->key_columns.size() - 1, &body);
    for (size_t k = 1; k < req_.table->key_columns.size(); ++k) {
      const std::string_view value = rows.cell(last, k).value_or(std::string_view());
      PutVarint(value.size(), &body);
      body.append(value);
    }
    body += state_;
    const uint64_t check = cassandra::Fnv1a64(body, binding_);
    std::string token(1, kTokenVersion);
    for (int shift = 56; shift >= 0; shift -= 8) token.push_back(static_cast<char>((check >> shift) & 0xFF));
    return token + body;
  }

  void Prepare() {
    auto self = shared_from_this();
    store_->WithStatement(target_, cql_, [self](Ready ready) { self->OnPrepared(std::move(ready)); });
  }

  void OnPrepared(Ready ready) {
    if (ready.statement == nullptr) {
      if (ready.category == OFS_CQL_ERR_NO_TABLE) return done_(Status::Ok());
      if (ready.category == OFS_CQL_ERR_NO_COLUMN && !retried_) {
        retried_ = true;
        auto self = shared_from_this();
        return store_->EnsureInBackground(std::string(req_.tenant), *req_.table, [self](Status status) {
          if (!status.ok()) return self->done_(std::move(status));
          self->Prepare();
        });
      }
      return done_(std::move(ready.status));
    }
    session_ = std::move(ready.session);
    statement_ = std::move(ready.statement);
    const TableSpec& table = *req_.table;
    Status status = values_.Add(table.key_columns[0].type, req_.partition_key);
    for (size_t i = 0; i < req_.clustering_prefix.size() && status.ok(); ++i) {
      status = values_.Add(table.key_columns[i + 1].type, req_.clustering_prefix[i]);
    }
    if (!status.ok()) return done_(std::move(status));
    Fetch();
  }

  void Fetch() {
    const size_t left = req_.limit - out_->rows.rows();
    exec_.page_size = static_cast<int32_t>(std::min<size_t>(left, kMaxPageRows));
    exec_.paging_state = reinterpret_cast<const uint8_t*>(state_.data());
    exec_.paging_state_len = state_.size();
    auto self = shared_from_this();
    session_->Execute(statement_.get(), values_.values(), exec_, [self](CqlResult r) { self->OnPage(r); });
  }

  void OnPage(const CqlResult& r) {
    if (r.category() == OFS_CQL_ERR_NO_TABLE) return done_(Status::Ok());  // dropped meanwhile: no rows
    if (!r.ok()) {
      // Cassandra refuses a paging state it cannot read; ours are bound to their scan, so this one was
      // made up (or came from another cluster).
      const int32_t c = r.category();
      if (from_token_ &&
          (c == OFS_CQL_ERR_PROTOCOL || c == OFS_CQL_ERR_INVALID || c == OFS_CQL_ERR_INTERNAL)) {
        return done_(BadToken("Cassandra cannot resume from it"));
      }
      return done_(cassandra::CqlStatus(r, "partition read of " + TableName(target_.keyspace, *req_.table)));
    }
    from_token_ = false;
    RowSet& rows = out_->rows;
    const size_t keys = req_.table->key_columns.size();
    for (size_t i = 0; i < r.rows(); ++i) {
      const auto row = r.row(i);
      const size_t at = rows.AddRow(true);
      for (size_t c = 0; c < rows.columns(); ++c) {
        const int s = c < keys ? static_cast<int>(c) : output_select_[c - keys];
        if (s < 0 || static_cast<size_t>(s) >= row.size() || row[s].type == OFS_CQL_NULL) continue;
        scratch_.clear();
        Status status = cassandra::AppendCanonical(select_types_[s], row[s], &scratch_);
        if (!status.ok()) return done_(std::move(status));
        rows.SetCell(at, c, scratch_);
      }
    }
    if (!r.more_pages()) return done_(Status::Ok());  // exhausted: no token
    state_ = std::string(r.paging_state());
    if (rows.rows() < req_.limit) return Fetch();
    Probe();
  }

  // A full page after which Cassandra says more pages may follow: it says so whenever a page fills, even
  // when the partition ends exactly there, and a token is only given while rows remain (the contract of
  // ScanResult, as RocksDB keeps it). One row is read past the page; the token resumes from before it.
  void Probe() {
    exec_.page_size = 1;
    exec_.paging_state = reinterpret_cast<const uint8_t*>(state_.data());
    exec_.paging_state_len = state_.size();
    auto self = shared_from_this();
    session_->Execute(statement_.get(), values_.values(), exec_, [self](CqlResult r) { self->OnProbe(r); });
  }

  void OnProbe(const CqlResult& r) {
    if (r.ok() && r.rows() == 0) {
      if (!r.more_pages()) return done_(Status::Ok());  // the page ended the partition: no token
      state_ = std::string(r.paging_state());           // an empty page (tombstones): look further
      return Probe();
    }
    // A row remains (or the probe failed: say more may follow, the next page finds out).
    out_->next_page_token = EncodeToken();
    done_(Status::Ok());
  }

  CassandraStore::Impl* store_;
  const ScanRequest req_;
  ScanResult* const out_;
  Completion done_;
  Target target_;
  std::vector<std::string_view> select_names_;  // key columns, then the requested ones
  std::vector<DataType> select_types_;
  std::vector<int> output_select_;
  std::string cql_;
  uint64_t binding_ = 0;
  std::string state_;  // Cassandra's paging state to resume from
  bool from_token_ = false;
  bool retried_ = false;
  ofs_cql_exec_options exec_{};
  SessionPtr session_;
  PreparedPtr statement_;
  BoundValues values_;
  std::string scratch_;
};

// ---- writes

// One statement shape of a write: the INSERT of a set of columns.
struct WriteStatement {
  std::vector<const ColumnSpec*> columns;  // key columns, then value columns by id
  std::string cql;
  PreparedPtr prepared;
};

struct WriteRowValues {
  size_t statement = 0;
  BoundValues values;
};

// The rows grouped into statements and per-partition batches, the statements prepared, then the
// batches sent at most `window` at a time.
class WriteJob : public std::enable_shared_from_this<WriteJob> {
 public:
  WriteJob(CassandraStore::Impl* store, const WriteRequest& req, Completion done)
      : store_(store), req_(req), done_(std::move(done)) {}

  void Start() {
    Status status = CheckWriteRequest(req_);
    if (status.ok()) status = Plan();
    if (!status.ok()) return done_(std::move(status));
    if (units_.empty()) return done_(Status::Ok());
    exec_.consistency = CqlConsistency(target_.settings->write_consistency);
    exec_.has_timestamp = 1;
    exec_.timestamp_micros = req_.write_time_micros;
    exec_.idempotent = 1;
    PrepareAll();
  }

 private:
  Status Plan() {
    const TableSpec& table = *req_.table;
    target_ = store_->TargetOf(req_.tenant);
    const int32_t ttl = static_cast<int32_t>(std::clamp<int64_t>(table.ttl_seconds, 0, kMaxTtlSeconds));
    std::map<std::vector<uint32_t>, size_t> statement_of;
    std::unordered_map<std::string_view, size_t> partition_of;  // partition key -> its current unit
    std::vector<std::pair<uint32_t, std::string_view>> cells;
    for (const WriteRow& row : req_.rows) {
      if (row.key[0].empty() && CanBeEmpty(table.key_columns[0].type)) {
        return Status(ErrorCode::kWriteFeatureGroupRequest, "Cassandra cannot store an empty partition key",
                      "column " + table.key_columns[0].name);
      }
      cells.clear();
      for (const Cell& cell : row.cells) {
        auto it = std::find_if(cells.begin(), cells.end(),
                               [&](const auto& c) { return c.first == cell.column_id; });
        if (it == cells.end()) {
          cells.emplace_back(cell.column_id, cell.value);
        } else if (cell.value > it->second) {  // one cell per column: the greater value, as on equal times
          it->second = cell.value;
        }
      }
      std::sort(cells.begin(), cells.end());
      std::vector<uint32_t> ids;
      for (const auto& c : cells) ids.push_back(c.first);
      auto [entry, added] = statement_of.emplace(ids, statements_.size());
      if (added) {
        WriteStatement statement;
        std::vector<std::string_view> names;
        for (const ColumnSpec& k : table.key_columns) statement.columns.push_back(&k);
        for (uint32_t id : ids) {
          const ColumnSpec* column = FindValueColumn(table, id);
          if (column == nullptr) {
            return Status(ErrorCode::kInternal, "storage request breaks its contract",
                          "column id " + std::to_string(id) + " is not a value column of " + table.name);
          }
          statement.columns.push_back(column);
        }
        for (const ColumnSpec* c : statement.columns) names.push_back(c->name);
        statement.cql = cassandra::InsertCql(target_.keyspace, table.name, names);
        statements_.push_back(std::move(statement));
      }
      WriteRowValues& values = rows_.emplace_back();
      values.statement = entry->second;
      for (size_t k = 0; k < table.key_columns.size(); ++k) {
        OFS_RETURN_IF_ERROR(values.values.Add(table.key_columns[k].type, row.key[k]));
      }
      for (const auto& [id, value] : cells)
        OFS_RETURN_IF_ERROR(values.values.Add(FindValueColumn(table, id)->type, value));
      values.values.AddInt(ttl);
      auto [unit, fresh] = partition_of.emplace(row.key[0], units_.size());
      if (fresh || units_[unit->second].size() >= store_->options.max_rows_per_batch) {
        unit->second = units_.size();
        units_.emplace_back();
      }
      units_[unit->second].push_back(rows_.size() - 1);
    }
    return Status::Ok();
  }

  void PrepareAll() {
    unprepared_ = statements_.size();
    auto self = shared_from_this();
    for (size_t s = 0; s < statements_.size(); ++s) {
      store_->WithStatement(target_, statements_[s].cql,
                            [self, s](Ready ready) { self->OnPrepared(s, std::move(ready)); });
    }
  }

  void OnPrepared(size_t s, Ready ready) {
    {
      std::lock_guard lock(mu_);
      if (ready.statement != nullptr) {
        statements_[s].prepared = std::move(ready.statement);
        session_ = std::move(ready.session);
      } else if (ready.category == OFS_CQL_ERR_NO_TABLE || ready.category == OFS_CQL_ERR_NO_COLUMN) {
        missing_schema_ = ready.category;
      } else if (error_.ok()) {
        error_ = std::move(ready.status);
      }
      if (--unprepared_ > 0) return;
    }
    if (!error_.ok()) return done_(std::move(error_));
    if (missing_schema_ != 0) {
      if (retried_) {
        return done_(Status(ErrorCode::kInternal, "cassandra: " + TableName(target_.keyspace, *req_.table) +
                                                      " still lacks a table or column after EnsureTable"));
      }
      retried_ = true;
      missing_schema_ = 0;
      auto self = shared_from_this();
      return store_->EnsureInBackground(std::string(req_.tenant), *req_.table, [self](Status status) {
        if (!status.ok()) return self->done_(std::move(status));
        self->PrepareAll();
      });
    }
    pending_ = units_.size();
    const size_t window =
        std::max<size_t>(1, std::min(units_.size(), store_->options.max_in_flight_per_request));
    for (size_t i = 0; i < window; ++i) Pump();
  }

  void Pump() {
    for (;;) {
      const size_t u = next_.fetch_add(1);
      if (u >= units_.size()) return;
      if (stop_.load()) {
        if (FinishOne()) return;
        continue;
      }
      auto self = shared_from_this();
      auto on_done = [self](CqlResult r) {
        if (r.category() == OFS_CQL_ERR_NO_TABLE || r.category() == OFS_CQL_ERR_NO_COLUMN) {
          self->SchemaGone();  // dropped or altered since the statement was prepared
        } else if (!r.ok()) {
          self->Fail(
              cassandra::CqlStatus(r, "write to " + TableName(self->target_.keyspace, *self->req_.table)));
        }
        if (!self->FinishOne()) self->Pump();
      };
      const std::vector<size_t>& unit = units_[u];
      if (unit.size() == 1) {
        const WriteRowValues& row = rows_[unit[0]];
        session_->Execute(statements_[row.statement].prepared.get(), row.values.values(), exec_,
                          std::move(on_done));
      } else {
        std::vector<ofs_cql_statement> batch;
        for (size_t r : unit) {
          const WriteRowValues& row = rows_[r];
          batch.push_back(
              {statements_[row.statement].prepared.get(), row.values.values().data(), row.values.size()});
        }
        session_->Batch(batch, exec_, std::move(on_done));
      }
      return;
    }
  }

  void Fail(Status status) {
    std::lock_guard lock(mu_);
    if (error_.ok()) error_ = std::move(status);
    stop_ = true;
  }

  void SchemaGone() {
    std::lock_guard lock(mu_);
    schema_gone_ = true;
  }

  bool FinishOne() {
    if (pending_.fetch_sub(1) != 1) return false;
    Status status;
    bool again = false;
    {
      std::lock_guard lock(mu_);
      status = std::move(error_);
      again = schema_gone_ && !retried_ && status.ok();
      if (schema_gone_ && !again && status.ok()) {
        status = Status(ErrorCode::kInternal, "cassandra: " + TableName(target_.keyspace, *req_.table) +
                                                  " lost its table or a column during the write, twice");
      }
    }
    if (!again) {
      done_(std::move(status));
      return true;
    }
    // The table went away (or lost a column) under a prepared statement: ensure it and send the whole
    // request again (every write is idempotent: its rows carry their timestamp).
    retried_ = true;
    schema_gone_ = false;
    next_ = 0;
    stop_ = false;
    store_->Invalidate(target_, cassandra::CqlName(req_.table->name));
    auto self = shared_from_this();
    store_->EnsureInBackground(std::string(req_.tenant), *req_.table, [self](Status ensured) {
      if (!ensured.ok()) return self->done_(std::move(ensured));
      self->PrepareAll();
    });
    return true;
  }

  CassandraStore::Impl* store_;
  const WriteRequest req_;
  Completion done_;
  Target target_;
  std::vector<WriteStatement> statements_;
  std::vector<WriteRowValues> rows_;
  std::vector<std::vector<size_t>> units_;  // rows of one partition, one batch each
  ofs_cql_exec_options exec_{};
  SessionPtr session_;
  std::mutex mu_;
  size_t unprepared_ = 0;
  int32_t missing_schema_ = 0;
  bool schema_gone_ = false;
  bool retried_ = false;
  Status error_;
  std::atomic<size_t> next_{0};
  std::atomic<size_t> pending_{0};
  std::atomic<bool> stop_{false};
};

}  // namespace

// ---- the store

Result<std::unique_ptr<CassandraStore>> CassandraStore::Open(CassandraStoreOptions options) {
  OFS_RETURN_IF_ERROR(CheckCluster(options.cluster, "default cluster"));
  for (const auto& [tenant, cluster] : options.tenant_clusters) {
    OFS_RETURN_IF_ERROR(CheckCluster(cluster, "cluster of tenant '" + tenant + "'"));
  }
  if (options.max_in_flight_per_request == 0 || options.max_rows_per_batch == 0 ||
      options.max_rows_per_batch > 65535 || options.driver_threads == 0 ||
      options.max_prepared_statements == 0) {
    return Status(ErrorCode::kInvalidRequest,
                  "cassandra store options: max_in_flight_per_request, driver_threads and "
                  "max_prepared_statements >= 1, "
                  "max_rows_per_batch 1-65535");
  }
  if (!cassandra::SetDriverThreads(options.driver_threads)) {
    OFS_LOG_WARN("storage", "the CQL driver already runs with another thread count than driver_threads = {}",
                 options.driver_threads);
  }
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  // One Cluster (one session) per distinct connection, shared by every tenant that names it.
  std::map<std::string, Cluster*> by_connection;
  auto add = [&](const CassandraClusterOptions& o) {
    auto [it, added] = by_connection.emplace(o.ConnectionKey(), nullptr);
    if (added) {
      auto cluster = std::make_unique<Cluster>();
      cluster->index = impl->clusters.size();
      cluster->options = o;
      it->second = cluster.get();
      impl->clusters.push_back(std::move(cluster));
    }
    return it->second;
  };
  add(impl->options.cluster);
  for (const auto& [tenant, cluster] : impl->options.tenant_clusters)
    impl->tenant_cluster.emplace(tenant, add(cluster));
  return std::unique_ptr<CassandraStore>(new CassandraStore(std::move(impl)));
}

CassandraStore::CassandraStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CassandraStore::~CassandraStore() = default;

void CassandraStore::MultiGet(const ReadRequest& req, RowSet* out, Completion done) {
  std::make_shared<ReadJob>(impl_.get(), req, out, std::move(done))->Start();
}

void CassandraStore::ScanPartition(const ScanRequest& req, ScanResult* out, Completion done) {
  std::make_shared<ScanJob>(impl_.get(), req, out, std::move(done))->Start();
}

void CassandraStore::Write(const WriteRequest& req, Completion done) {
  std::make_shared<WriteJob>(impl_.get(), req, std::move(done))->Start();
}

Status CassandraStore::EnsureTable(std::string_view tenant, const model::TableSpec& table) {
  if (table.key_columns.empty()) {
    return Status(ErrorCode::kInternal, "storage request breaks its contract", "table has no key columns");
  }
  Status status = impl_->EnsureTableSync(tenant, table);
  if (status.ok() || status.code() == ErrorCode::kStoreUnavailable) return status;
  // online_store.h: a change the engine refused (a column of another type, another primary key, DDL
  // Cassandra rejected) is STORE-UNAVAILABLE too, with the reason; it is not retryable.
  return Status(ErrorCode::kStoreUnavailable, std::string(status.message()), std::string(status.cause()));
}

Status CassandraStore::Health() {
  for (const auto& cluster : impl_->clusters) {
    OFS_ASSIGN_OR_RETURN(SessionPtr session, impl_->SessionSync(*cluster));
    ofs_cql_exec_options o{};
    o.request_timeout_ms = cluster->options.request_timeout_ms;
    o.idempotent = 1;
    const CqlResult r = session->QuerySync("SELECT release_version FROM system.local", o);
    if (!r.ok()) {
      Status status(ErrorCode::kStoreUnavailable,
                    "cassandra cluster " + cluster->options.Describe() + " does not answer",
                    std::string(cassandra::CqlCategoryName(r.category())) + ": " + std::string(r.message()));
      return OFS_CQL_RETRYABLE(r.category()) ? std::move(status).MarkRetryable() : status;
    }
  }
  return Status::Ok();
}

std::string CassandraStore::KeyspaceOf(std::string_view tenant) const {
  return impl_->TargetOf(tenant).keyspace;
}

}  // namespace ofs::storage
