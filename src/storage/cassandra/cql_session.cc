#include "storage/cassandra/cql_session.h"

#include <future>
#include <utility>

namespace ofs::storage::cassandra {
namespace {

// A callback crosses the C ABI as a heap-allocated CqlCallback in `user`; the trampoline takes it back.
// noexcept: nothing may unwind into the driver's (Rust) frames.
extern "C" void Trampoline(void* user, ofs_cql_result* result) noexcept {
  std::unique_ptr<CqlCallback> callback(static_cast<CqlCallback*>(user));
  (*callback)(CqlResult(result));
}

// Starts an asynchronous C call; a call that fails before it starts returns its error, which is handed
// to `done` inline.
template <typename Start>
void Call(CqlCallback done, Start start) {
  auto* callback = new CqlCallback(std::move(done));
  ofs_cql_result* failed = start(&Trampoline, static_cast<void*>(callback));
  if (failed != nullptr) {
    std::unique_ptr<CqlCallback> owned(callback);
    (*owned)(CqlResult(failed));
  }
}

// Waits for one asynchronous call. Every request carries a deadline (ofs_cql.h), so the wait ends.
template <typename Start>
CqlResult Wait(Start start) {
  std::promise<CqlResult> promise;
  std::future<CqlResult> future = promise.get_future();
  start([&promise](CqlResult r) { promise.set_value(std::move(r)); });
  return future.get();
}

}  // namespace

std::string_view CqlResult::message() const {
  const char* text = nullptr;
  size_t len = 0;
  ofs_cql_result_error(result_.get(), &text, &len);
  return len == 0 ? std::string_view() : std::string_view(text, len);
}

std::span<const ofs_cql_value> CqlResult::row(size_t r) const {
  const ofs_cql_value* values = ofs_cql_result_row(result_.get(), r);
  if (values == nullptr) return {};
  return {values, columns()};
}

std::string_view CqlResult::column_name(size_t c) const {
  const char* name = nullptr;
  size_t len = 0;
  if (ofs_cql_result_column(result_.get(), c, &name, &len) < 0 || len == 0) return {};
  return {name, len};
}

std::string_view CqlResult::paging_state() const {
  const uint8_t* data = nullptr;
  size_t len = 0;
  if (ofs_cql_result_paging_state(result_.get(), &data, &len) == 0 || len == 0) return {};
  return {reinterpret_cast<const char*>(data), len};
}

bool SetDriverThreads(uint32_t threads) { return ofs_cql_runtime_threads(threads) == 0; }

std::string_view CqlCategoryName(int32_t category) {
  switch (category) {
    case OFS_CQL_OK:
      return "ok";
    case OFS_CQL_ERR_UNAVAILABLE:
      return "unavailable";
    case OFS_CQL_ERR_TIMEOUT:
      return "timeout";
    case OFS_CQL_ERR_OVERLOADED:
      return "overloaded";
    case OFS_CQL_ERR_CONNECTION:
      return "connection";
    case OFS_CQL_ERR_INVALID:
      return "invalid request";
    case OFS_CQL_ERR_SYNTAX:
      return "syntax error";
    case OFS_CQL_ERR_UNAUTHORIZED:
      return "unauthorized";
    case OFS_CQL_ERR_CONFIG:
      return "configuration";
    case OFS_CQL_ERR_ALREADY_EXISTS:
      return "already exists";
    case OFS_CQL_ERR_NO_TABLE:
      return "no such keyspace or table";
    case OFS_CQL_ERR_NO_COLUMN:
      return "no such column";
    case OFS_CQL_ERR_BAD_ARGUMENT:
      return "bad argument";
    case OFS_CQL_ERR_PROTOCOL:
      return "protocol error";
    default:
      return "internal";
  }
}

Status CqlStatus(const CqlResult& result, std::string_view what) {
  const int32_t category = result.category();
  if (category == OFS_CQL_OK) return Status::Ok();
  std::string message =
      "cassandra: " + std::string(what) + " failed (" + std::string(CqlCategoryName(category)) + ")";
  std::string cause(result.message());
  if (OFS_CQL_RETRYABLE(category)) {
    return Status(ErrorCode::kStoreUnavailable, std::move(message), std::move(cause)).MarkRetryable();
  }
  if (category == OFS_CQL_ERR_UNAUTHORIZED || category == OFS_CQL_ERR_CONFIG) {
    return Status(ErrorCode::kStoreUnavailable, std::move(message), std::move(cause));
  }
  return Status(ErrorCode::kInternal, std::move(message), std::move(cause));
}

void CqlSession::Open(const CqlConfig& config, OpenCallback done) {
  std::vector<const char*> points;
  for (const std::string& p : config.contact_points) points.push_back(p.c_str());
  auto str = [](const std::string& s) { return s.empty() ? nullptr : s.c_str(); };
  const ofs_cql_config c{points.data(),
                         points.size(),
                         str(config.local_dc),
                         str(config.username),
                         str(config.password),
                         config.tls ? 1 : 0,
                         str(config.tls_ca_file),
                         config.tls_verify ? 1 : 0,
                         config.connect_timeout_ms,
                         config.request_timeout_ms,
                         config.schema_agreement_timeout_ms,
                         config.speculative_max_retries,
                         config.speculative_delay_ms};
  Call(
      [done = std::move(done)](CqlResult r) {
        ofs_cql_session* session = ofs_cql_result_take_session(r.get());
        if (session == nullptr) {
          Status status = CqlStatus(r, "connect");
          if (status.ok()) status = Status(ErrorCode::kInternal, "cassandra: connect returned no session");
          return done(std::move(status));
        }
        done(std::shared_ptr<CqlSession>(new CqlSession(session)));
      },
      [&](ofs_cql_callback cb, void* user) { return ofs_cql_session_open(&c, cb, user); });
}

Result<std::shared_ptr<CqlSession>> CqlSession::OpenSync(const CqlConfig& config) {
  std::promise<Result<std::shared_ptr<CqlSession>>> promise;
  auto future = promise.get_future();
  Open(config, [&promise](Result<std::shared_ptr<CqlSession>> r) { promise.set_value(std::move(r)); });
  return future.get();
}

CqlSession::~CqlSession() { ofs_cql_session_close(session_); }

void CqlSession::Prepare(std::string_view cql, PrepareCallback done) const {
  Call(
      [done = std::move(done)](CqlResult r) {
        ofs_cql_prepared* prepared = ofs_cql_result_take_prepared(r.get());
        PrepareResult result;
        if (prepared == nullptr) {
          result.category = r.ok() ? OFS_CQL_ERR_INTERNAL : r.category();
          result.status = CqlStatus(r, "prepare");
          if (result.status.ok())
            result.status = Status(ErrorCode::kInternal, "cassandra: prepare returned no statement");
          return done(std::move(result));
        }
        result.statement = PreparedPtr(prepared, [](const ofs_cql_prepared* p) {
          ofs_cql_prepared_free(const_cast<ofs_cql_prepared*>(p));
        });
        done(std::move(result));
      },
      [&](ofs_cql_callback cb, void* user) {
        return ofs_cql_prepare(session_, cql.data(), cql.size(), cb, user);
      });
}

void CqlSession::Execute(const ofs_cql_prepared* statement, std::span<const ofs_cql_value> values,
                         const ofs_cql_exec_options& options, CqlCallback done) const {
  Call(std::move(done), [&](ofs_cql_callback cb, void* user) {
    return ofs_cql_execute(session_, statement, values.data(), values.size(), &options, cb, user);
  });
}

void CqlSession::Query(std::string_view cql, const ofs_cql_exec_options& options, CqlCallback done) const {
  Call(std::move(done), [&](ofs_cql_callback cb, void* user) {
    return ofs_cql_query(session_, cql.data(), cql.size(), &options, cb, user);
  });
}

void CqlSession::Batch(std::span<const ofs_cql_statement> statements, const ofs_cql_exec_options& options,
                       CqlCallback done) const {
  Call(std::move(done), [&](ofs_cql_callback cb, void* user) {
    return ofs_cql_batch(session_, statements.data(), statements.size(), &options, cb, user);
  });
}

void CqlSession::AwaitSchemaAgreement(CqlCallback done) const {
  Call(std::move(done),
       [&](ofs_cql_callback cb, void* user) { return ofs_cql_await_schema_agreement(session_, cb, user); });
}

PrepareResult CqlSession::PrepareSync(std::string_view cql) const {
  std::promise<PrepareResult> promise;
  auto future = promise.get_future();
  Prepare(cql, [&promise](PrepareResult r) { promise.set_value(std::move(r)); });
  return future.get();
}

CqlResult CqlSession::QuerySync(std::string_view cql, const ofs_cql_exec_options& options) const {
  return Wait([&](CqlCallback done) { Query(cql, options, std::move(done)); });
}

CqlResult CqlSession::ExecuteSync(const ofs_cql_prepared* statement, std::span<const ofs_cql_value> values,
                                  const ofs_cql_exec_options& options) const {
  return Wait([&](CqlCallback done) { Execute(statement, values, options, std::move(done)); });
}

CqlResult CqlSession::AwaitSchemaAgreementSync() const {
  return Wait([&](CqlCallback done) { AwaitSchemaAgreement(std::move(done)); });
}

}  // namespace ofs::storage::cassandra
