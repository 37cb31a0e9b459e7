#pragma once
// The C++ owner of native/cql's C ABI (ofs_cql.h): RAII handles and callbacks as std::function.
// Nothing else in OFS includes ofs_cql.h's functions directly.
//
// - CqlResult owns one ofs_cql_result (a completion's rows, paging state or error).
// - CqlSession owns one ofs_cql_session (one cluster: control connection, pools, token-aware routing);
//   shared_ptr, closed when the last holder lets go.
// - Prepared statements are shared_ptr<const ofs_cql_prepared>, freed with their last holder.
// Threading: every call may be made from any thread. Asynchronous calls return at once; their callback
// runs exactly once, on a driver thread, except when the call fails before it starts (bad arguments):
// then it runs inline, before the call returns. Callbacks must not block; the *Sync helpers block the
// calling thread (admin, health, tests: never an event loop or a driver thread).

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "ofs_cql.h"

namespace ofs::storage::cassandra {

class CqlResult {
 public:
  explicit CqlResult(ofs_cql_result* result) : result_(result) {}

  int32_t category() const { return ofs_cql_result_error(result_.get(), nullptr, nullptr); }
  bool ok() const { return category() == OFS_CQL_OK; }
  std::string_view message() const;
  size_t rows() const { return ofs_cql_result_row_count(result_.get()); }
  size_t columns() const { return ofs_cql_result_column_count(result_.get()); }
  // The row's values, one per column; empty when out of range.
  std::span<const ofs_cql_value> row(size_t r) const;
  std::string_view column_name(size_t c) const;
  int32_t column_type(size_t c) const { return ofs_cql_result_column(result_.get(), c, nullptr, nullptr); }
  // The paging state to resume from, when more pages follow.
  bool more_pages() const { return ofs_cql_result_paging_state(result_.get(), nullptr, nullptr) != 0; }
  std::string_view paging_state() const;

  ofs_cql_result* get() const { return result_.get(); }

 private:
  struct Free {
    void operator()(ofs_cql_result* r) const { ofs_cql_result_free(r); }
  };
  std::unique_ptr<ofs_cql_result, Free> result_;
};

using CqlCallback = std::function<void(CqlResult)>;
using PreparedPtr = std::shared_ptr<const ofs_cql_prepared>;

// A prepared statement, or why there is none: the category (OFS_CQL_ERR_*, e.g. NO_TABLE) and the
// failure as a Status (CqlStatus).
struct PrepareResult {
  PreparedPtr statement;
  int32_t category = OFS_CQL_OK;
  Status status;
};

// What a session connects with (the C config's owned form). The password is never logged.
struct CqlConfig {
  std::vector<std::string> contact_points;  // "host:port"
  std::string local_dc;
  std::string username;
  std::string password;
  bool tls = false;
  std::string tls_ca_file;
  bool tls_verify = true;
  uint32_t connect_timeout_ms = 0;  // 0: the driver bridge's defaults (ofs_cql.h)
  uint32_t request_timeout_ms = 0;
  uint32_t schema_agreement_timeout_ms = 0;
  uint32_t speculative_max_retries = 0;
  uint32_t speculative_delay_ms = 0;
};

class CqlSession {
 public:
  using OpenCallback = std::function<void(Result<std::shared_ptr<CqlSession>>)>;
  using PrepareCallback = std::function<void(PrepareResult)>;

  // Connects to the cluster; `done` gets the session, or the failure as a Status (CqlStatus).
  static void Open(const CqlConfig& config, OpenCallback done);
  static Result<std::shared_ptr<CqlSession>> OpenSync(const CqlConfig& config);
  ~CqlSession();
  CqlSession(const CqlSession&) = delete;
  CqlSession& operator=(const CqlSession&) = delete;

  void Prepare(std::string_view cql, PrepareCallback done) const;
  void Execute(const ofs_cql_prepared* statement, std::span<const ofs_cql_value> values,
               const ofs_cql_exec_options& options, CqlCallback done) const;
  void Query(std::string_view cql, const ofs_cql_exec_options& options, CqlCallback done) const;
  void Batch(std::span<const ofs_cql_statement> statements, const ofs_cql_exec_options& options,
             CqlCallback done) const;
  void AwaitSchemaAgreement(CqlCallback done) const;

  // Blocking forms (never on an event loop or a driver thread).
  PrepareResult PrepareSync(std::string_view cql) const;
  CqlResult QuerySync(std::string_view cql, const ofs_cql_exec_options& options) const;
  CqlResult ExecuteSync(const ofs_cql_prepared* statement, std::span<const ofs_cql_value> values,
                        const ofs_cql_exec_options& options) const;
  CqlResult AwaitSchemaAgreementSync() const;

 private:
  explicit CqlSession(ofs_cql_session* session) : session_(session) {}
  ofs_cql_session* session_;
};

// Sets the driver runtime's worker threads (process-wide) before it starts. False when it already
// runs with another count (it keeps that one).
bool SetDriverThreads(uint32_t threads);

// A failed result as an OFS status: retryable categories (unavailable, timeout, overloaded, connection)
// become STORE-UNAVAILABLE marked retryable; unauthorized and configuration errors STORE-UNAVAILABLE
// (the cluster is unusable until an operator acts); everything else (invalid, syntax, protocol,
// internal: a statement or value of ours the server refused) kInternal. `what` says what OFS was doing
// ("read users"); the driver's message is the cause.
Status CqlStatus(const CqlResult& result, std::string_view what);
// The category's name for messages ("timeout", "unavailable", ...).
std::string_view CqlCategoryName(int32_t category);

}  // namespace ofs::storage::cassandra
