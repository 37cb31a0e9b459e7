#include "serving/serving.h"

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "api/envelope.h"
#include "api/json_read.h"
#include "base/strings.h"
#include "serving/catalog_gate.h"
#include "serving/handlers.h"
#include "serving/legacy_handler.h"

namespace ofs::serving {
namespace {

using http::Method;

Result<const catalog::Snapshot*> CurrentSnapshot(const ServingDeps& deps) {
  const catalog::Snapshot* snapshot = deps.catalog->Current();
  if (snapshot == nullptr) {
    return Result<const catalog::Snapshot*>(ErrorCode::kMetastoreUnavailable, "catalog not loaded yet");
  }
  return snapshot;
}

// ---- Stores that complete inline: the thread's units, no suspension ----

// Runs `unit`'s store operations one after another (each completes before Start returns) and writes
// its payload.
Status RunInline(const ServingDeps& deps, StoreUnit& unit, codec::JsonWriter& out) {
  std::array<Status, StoreUnit::kMaxOperations> statuses;
  const size_t operations = unit.Operations();
  for (size_t op = 0; op < operations; ++op) {
    const StoreProbe& probe = StoreProbe::For(deps.registry, unit.Tenant(op));
    statuses[op] = CallStore(
        probe, unit.Latency(probe), [&](storage::Completion done) { unit.Start(deps, op, std::move(done)); },
        unit.ClientStoreError());
  }
  return unit.Finish(std::span<const Status>(statuses.data(), operations), out);
}

// Prepares and runs one unit of the calling thread.
Status PrepareAndRunInline(const ServingDeps& deps, const api::Call& call, const catalog::Snapshot& snapshot,
                           const UnitFactory& units, std::string_view json, RequestWrites* writes,
                           codec::JsonWriter& out) {
  StoreUnit& unit = units.thread();
  OFS_RETURN_IF_ERROR(unit.Prepare(UnitContext{deps, call, snapshot, writes}, json));
  return RunInline(deps, unit, out);
}

// ---- Stores that complete later: the request suspends ----

// A request whose store operations complete on other threads. It owns its units and pins the catalog
// snapshot they point into; every unit's operations start at once (fan-out), and once the last one
// completed the request is resumed on its loop thread, where `finish` writes the whole response.
// Completions and the continuation share it; it goes when the last of them does (a request past its
// deadline is answered without it, and its late completions only release it).
class AsyncRequest : public std::enable_shared_from_this<AsyncRequest> {
 public:
  using Finisher = Status (*)(AsyncRequest& request, http::Response& response);

  AsyncRequest(const ServingDeps& deps, std::shared_ptr<const catalog::Snapshot> snapshot, Finisher finish)
      : deps_(deps), snapshot_(std::move(snapshot)), finish_(finish) {}

  // Adds a unit for `json` (the body, or a batch: a view into the request body, which stays valid
  // while the request is suspended) and prepares it; its error, if any, is the unit's answer.
  void Add(const api::Call& call, const UnitFactory& units, std::string_view json) {
    units_.push_back(units.make());
    batches_.push_back(json);
    prepared_.push_back(units_.back()->Prepare(UnitContext{deps_, call, *snapshot_, &writes_}, json));
  }
  const Status& prepared(size_t u) const { return prepared_[u]; }
  size_t Operations() const {
    size_t operations = 0;
    for (size_t u = 0; u < units_.size(); ++u) operations += prepared_[u].ok() ? units_[u]->Operations() : 0;
    return operations;
  }
  // Suspends the request and starts every prepared unit's operations.
  void Start(const http::Request& request) {
    statuses_.resize(units_.size());
    resumer_ = request.Suspend();
    pending_.store(1 + Operations(), std::memory_order_relaxed);
    for (size_t u = 0; u < units_.size(); ++u) {
      if (!prepared_[u].ok()) continue;
      StoreUnit& unit = *units_[u];
      for (size_t op = 0; op < unit.Operations(); ++op) {
        const StoreProbe& probe = StoreProbe::For(deps_.registry, unit.Tenant(op));
        unit.Start(deps_, op,
                   [self = shared_from_this(), u, op, latency = unit.Latency(probe), errors = probe.errors,
                    client_error = unit.ClientStoreError(),
                    start = std::chrono::steady_clock::now()](Status status) {
                     latency->ObserveNanos(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                               std::chrono::steady_clock::now() - start)
                                               .count());
                     if (!status.ok() && status.code() != client_error) errors->Inc();
                     self->statuses_[u][op] = std::move(status);
                     self->Arrive();
                   });
      }
    }
    Arrive();  // the starter's share: resumes at once if every operation completed meanwhile
  }

  size_t units() const { return units_.size(); }
  std::string_view batch(size_t u) const { return batches_[u]; }
  // The unit's preparation error, or its payload from its operations' statuses.
  Status Finish(size_t u, codec::JsonWriter& out) {
    if (!prepared_[u].ok()) return prepared_[u];
    // Not started (no unit had an operation, e.g. every row failed conversion): no statuses at all.
    if (u >= statuses_.size()) return units_[u]->Finish({}, out);
    return units_[u]->Finish(std::span<const Status>(statuses_[u].data(), units_[u]->Operations()), out);
  }

 private:
  void Arrive() {
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    resumer_.ResumeWith([self = shared_from_this()](http::Response& response) {
      response.body.clear();
      return self->finish_(*self, response);
    });
  }

  const ServingDeps deps_;
  const std::shared_ptr<const catalog::Snapshot> snapshot_;
  const Finisher finish_;
  std::vector<std::unique_ptr<StoreUnit>> units_;
  std::vector<std::string_view> batches_;
  std::vector<Status> prepared_;
  std::vector<std::array<Status, StoreUnit::kMaxOperations>> statuses_;  // written by completions
  RequestWrites writes_;  // a remote store's writes are durable when they complete: nothing deferred
  std::atomic<size_t> pending_{0};
  http::Resumer resumer_;
};

// A remote store's request needs a suspendable request with room on its loop.
Result<std::shared_ptr<AsyncRequest>> BeginAsync(const ServingDeps& deps, const api::Call& call,
                                                 AsyncRequest::Finisher finish) {
  if (!call.request.CanSuspend()) {
    return Result<std::shared_ptr<AsyncRequest>>(
        ErrorCode::kOverloaded, "too many requests waiting for the store, retry later",
        "http.max_suspended_requests reached on this serving thread");
  }
  std::shared_ptr<const catalog::Snapshot> snapshot = deps.catalog->CurrentShared();
  if (snapshot == nullptr) {
    return Result<std::shared_ptr<AsyncRequest>>(ErrorCode::kMetastoreUnavailable, "catalog not loaded yet");
  }
  return std::make_shared<AsyncRequest>(deps, std::move(snapshot), finish);
}

// {"data": <payload of one request>}
Status FinishSingle(AsyncRequest& request, http::Response& response) {
  codec::JsonWriter out = api::BeginData(response);
  OFS_RETURN_IF_ERROR(request.Finish(0, out));
  api::EndData(out);
  return Status::Ok();
}

Status RunSingleAsync(const ServingDeps& deps, const api::Call& call, const UnitFactory& units,
                      http::Response& response) {
  OFS_ASSIGN_OR_RETURN(std::shared_ptr<AsyncRequest> request, BeginAsync(deps, call, &FinishSingle));
  request->Add(call, units, call.request.body);
  OFS_RETURN_IF_ERROR(request->prepared(0));
  if (request->Operations() == 0) return FinishSingle(*request, response);
  request->Start(call.request);
  return Status::Ok();
}

// {"data": <payload of one request>}
api::ApiHandler Single(const ServingDeps& deps, const UnitFactory& units) {
  return [deps, &units](const api::Call& call, http::Response& response) -> Status {
    if (!deps.store->CompletesInline()) return RunSingleAsync(deps, call, units, response);
    OFS_ASSIGN_OR_RETURN(const catalog::Snapshot* snapshot, CurrentSnapshot(deps));
    codec::JsonWriter out = api::BeginData(response);
    OFS_RETURN_IF_ERROR(PrepareAndRunInline(deps, call, *snapshot, units, call.request.body, nullptr, out));
    api::EndData(out);
    return Status::Ok();
  };
}

// Reads the raw JSON of each element of the body's "batches" array (parser slot 0).
Status ForEachBatch(const ServingDeps& deps, std::string_view body, ErrorCode code,
                    const std::function<void(std::string_view batch)>& each) {
  bool has_batches = false;
  OFS_RETURN_IF_ERROR(
      api::ForEachRootField(body, 0, code, "request body", [&](std::string_view key, api::JsonValue value) {
        if (!EqualsIgnoreCase(key, "batches")) return Status::Ok();
        has_batches = true;
        api::od::array batches;
        auto error = std::move(value).get_array().get(batches);
        if (error) return api::JsonError(error, code, "batches (expected an array)");
        size_t count = 0;
        for (auto element : batches) {
          if (++count > deps.limits.max_batches) {
            return Status(code, "too many batches (limit " + std::to_string(deps.limits.max_batches) + ")");
          }
          std::string_view batch;
          OFS_RETURN_IF_ERROR(api::ReadRawContainer(element, &batch, code, "batches[]"));
          each(batch);
        }
        return Status::Ok();
      }));
  if (!has_batches) return Status(code, "batches is required");
  return Status::Ok();
}

// Best effort: the featureGroupName / featureGroupVersion of a failed batch, for its error entry.
void WriteBatchIdentity(std::string_view batch, codec::JsonWriter& out) {
  api::od::document doc;
  api::od::object object;
  if (!api::IterateObject(batch, 1, &doc, &object, ErrorCode::kInvalidRequest).ok()) return;
  for (auto field : object) {
    std::string_view key, value;
    if (field.unescaped_key().get(key)) return;
    bool name = EqualsIgnoreCase(key, "featureGroupName");
    bool version = EqualsIgnoreCase(key, "featureGroupVersion");
    if ((name || version) && !field.value().get_string().get(value)) {
      out.Key(name ? "featureGroupName" : "featureGroupVersion");
      out.String(value);
    }
  }
}

// A failing multi-read batch does not fail the others: its entry names the error.
void WriteReadBatchError(std::string_view batch, const Status& status, codec::JsonWriter& out) {
  out.StartObject();
  WriteBatchIdentity(batch, out);
  out.Key("error");
  out.String(status.message());
  out.EndObject();
}

// Writes one multi-read entry: `run(item)`'s payload, or the batch's error entry in place of its partial
// output.
template <typename Run>
void WriteReadBatch(std::string_view batch, http::Response& response, bool first, Run&& run) {
  if (!first) response.body.push_back(',');
  const size_t item_start = response.body.size();
  codec::JsonWriter item(&response.body);
  Status status = run(item);
  if (status.ok()) return;
  response.body.resize(item_start);
  codec::JsonWriter error(&response.body);
  WriteReadBatchError(batch, status, error);
}

Status FinishMultiRead(AsyncRequest& request, http::Response& response) {
  codec::JsonWriter out = api::BeginData(response);
  out.StartArray();
  for (size_t u = 0; u < request.units(); ++u) {
    WriteReadBatch(request.batch(u), response, u == 0,
                   [&](codec::JsonWriter& item) { return request.Finish(u, item); });
  }
  out.EndArray();
  api::EndData(out);
  return Status::Ok();
}

Status MultiRead(const ServingDeps& deps, const api::Call& call, http::Response& response) {
  constexpr ErrorCode kCode = ErrorCode::kMultiReadFeatureGroupRequest;
  if (!deps.store->CompletesInline()) {
    OFS_ASSIGN_OR_RETURN(std::shared_ptr<AsyncRequest> request, BeginAsync(deps, call, &FinishMultiRead));
    OFS_RETURN_IF_ERROR(ForEachBatch(deps, call.request.body, kCode, [&](std::string_view batch) {
      request->Add(call, kPointReads, batch);
    }));
    if (DeferringOnMiss()) return Status::Ok();  // runs again after a catalog check
    if (request->Operations() == 0) return FinishMultiRead(*request, response);
    request->Start(call.request);
    return Status::Ok();
  }
  OFS_ASSIGN_OR_RETURN(const catalog::Snapshot* snapshot, CurrentSnapshot(deps));
  codec::JsonWriter out = api::BeginData(response);
  out.StartArray();
  bool first = true;
  OFS_RETURN_IF_ERROR(ForEachBatch(deps, call.request.body, kCode, [&](std::string_view batch) {
    WriteReadBatch(batch, response, first, [&](codec::JsonWriter& item) {
      return PrepareAndRunInline(deps, call, *snapshot, kPointReads, batch, nullptr, item);
    });
    first = false;
  }));
  out.EndArray();
  api::EndData(out);
  return Status::Ok();
}

// A failed batch-write batch: listed after the successful ones with its error, code and JSON.
void WriteFailedBatch(std::string_view batch, const Status& status, codec::JsonWriter& out) {
  out.StartObject();
  out.Key("error");
  out.String(status.message());
  out.Key("code");
  out.String(ErrorCodeName(status.code()));
  out.Key("batch");
  out.Raw(batch);
  out.EndObject();
}

// {"data": {"batches": [payloads], "failedBatches": [errors]}}: `run(batch index, item)` writes one
// batch's payload; `failed` is scratch.
template <typename Run>
void WriteBatchWriteAnswer(size_t batches, const std::function<std::string_view(size_t)>& batch_text,
                           http::Response& response, std::string& failed, Run&& run) {
  failed.clear();
  codec::JsonWriter failed_out(&failed);
  codec::JsonWriter out = api::BeginData(response);
  out.StartObject();
  out.Key("batches");
  out.StartArray();
  bool first = true;
  for (size_t b = 0; b < batches; ++b) {
    const size_t mark = response.body.size();
    if (!first) response.body.push_back(',');
    codec::JsonWriter item(&response.body);
    Status status = run(b, item);
    if (status.ok()) {
      first = false;
      continue;
    }
    response.body.resize(mark);
    WriteFailedBatch(batch_text(b), status, failed_out);
  }
  out.EndArray();
  out.Key("failedBatches");
  out.StartArray();
  response.body.append(failed);
  out.EndArray();
  out.EndObject();
  api::EndData(out);
}

Status FinishBatchWrite(AsyncRequest& request, http::Response& response) {
  std::string failed;
  WriteBatchWriteAnswer(
      request.units(), [&](size_t b) { return request.batch(b); }, response, failed,
      [&](size_t b, codec::JsonWriter& item) { return request.Finish(b, item); });
  return Status::Ok();
}

Status BatchWrite(const ServingDeps& deps, const api::Call& call, http::Response& response) {
  constexpr ErrorCode kCode = ErrorCode::kWriteFeatureGroupRequest;
  if (!deps.store->CompletesInline()) {
    OFS_ASSIGN_OR_RETURN(std::shared_ptr<AsyncRequest> request, BeginAsync(deps, call, &FinishBatchWrite));
    OFS_RETURN_IF_ERROR(ForEachBatch(deps, call.request.body, kCode,
                                     [&](std::string_view batch) { request->Add(call, kWrites, batch); }));
    if (DeferringOnMiss()) return Status::Ok();  // runs again after a catalog check: nothing written yet
    if (request->Operations() == 0) return FinishBatchWrite(*request, response);
    request->Start(call.request);
    return Status::Ok();
  }
  OFS_ASSIGN_OR_RETURN(const catalog::Snapshot* snapshot, CurrentSnapshot(deps));
  RequestWrites writes{call.request.CanSuspend()};
  // Each batch is prepared and written as the batches are read (parser slot 0 walks them), so the
  // batches' texts are collected for the failed ones' entries.
  thread_local std::vector<std::string_view> texts;
  texts.clear();
  OFS_RETURN_IF_ERROR(
      ForEachBatch(deps, call.request.body, kCode, [&](std::string_view batch) { texts.push_back(batch); }));
  thread_local std::string failed;
  WriteBatchWriteAnswer(
      texts.size(), [&](size_t b) { return texts[b]; }, response, failed,
      [&](size_t b, codec::JsonWriter& item) {
        return PrepareAndRunInline(deps, call, *snapshot, kWrites, texts[b], &writes, item);
      });
  return AwaitDurability(deps, call.request, writes);
}

Status Write(const ServingDeps& deps, const api::Call& call, http::Response& response) {
  if (!deps.store->CompletesInline()) return RunSingleAsync(deps, call, kWrites, response);
  OFS_ASSIGN_OR_RETURN(const catalog::Snapshot* snapshot, CurrentSnapshot(deps));
  RequestWrites writes{call.request.CanSuspend()};
  codec::JsonWriter out = api::BeginData(response);
  OFS_RETURN_IF_ERROR(PrepareAndRunInline(deps, call, *snapshot, kWrites, call.request.body, &writes, out));
  api::EndData(out);
  return AwaitDurability(deps, call.request, writes);
}

// {"data": <payload>} with 202 Accepted: every row of it is acknowledged by Kafka (or the embedded queue).
Status FinishAccepted(AsyncRequest& request, http::Response& response) {
  OFS_RETURN_IF_ERROR(FinishSingle(request, response));
  response.status = 202;
  return Status::Ok();
}

// write-async suspends always: the sink acknowledges on its own thread.
Status WriteAsync(const ServingDeps& deps, const api::Call& call, http::Response& response) {
  OFS_ASSIGN_OR_RETURN(std::shared_ptr<AsyncRequest> request, BeginAsync(deps, call, &FinishAccepted));
  request->Add(call, kAsyncWrites, call.request.body);
  OFS_RETURN_IF_ERROR(request->prepared(0));
  if (request->Operations() == 0) return FinishAccepted(*request, response);  // no row converted
  request->Start(call.request);
  return Status::Ok();
}

}  // namespace

void RegisterServingRoutes(api::Endpoint& api_endpoint, const ServingDeps& registration) {
  using api::Role;
  ServingDeps deps = registration;
  deps.write_clock = std::make_shared<WriteClock>(deps.clock);
  // Every route waits for the catalog where it must (catalog_gate.h) on a node that has a refresher.
  struct GatedEndpoint {
    api::Endpoint& endpoint;
    const ServingDeps& deps;
    void Add(const std::string& label, api::Role role, std::initializer_list<api::PathSpec> paths,
             api::ApiHandler handler) {
      if (deps.refresher != nullptr) {
        handler = GateOnCatalog(deps.refresher, deps.catalog, deps.registry, std::move(handler));
      }
      endpoint.Add(label, role, paths, handler);
    }
  } endpoint{api_endpoint, deps};
  endpoint.Add("read", Role::kReader,
               {{Method::kPost, "/v1/feature-group/read"},
                {Method::kGet, "/v1/feature-group/read"},
                {Method::kGet, "/feature-group/read-features", true},
                {Method::kPost, "/feature-group/read-features", true}},
               Single(deps, kPointReads));
  endpoint.Add(
      "multi_read", Role::kReader,
      {{Method::kPost, "/v1/feature-group/multi-read"},
       {Method::kGet, "/v1/feature-group/multi-read"},
       {Method::kGet, "/feature-group/multi-read-features", true},
       {Method::kPost, "/feature-group/multi-read-features", true}},
      [deps](const api::Call& call, http::Response& response) { return MultiRead(deps, call, response); });
  endpoint.Add("partition_read", Role::kReader,
               {{Method::kPost, "/v1/feature-group/partition/read"},
                {Method::kGet, "/v1/feature-group/partition/read"},
                {Method::kGet, "/feature-group/read-partition", true},
                {Method::kPost, "/feature-group/read-partition", true}},
               Single(deps, kPartitionReads));
  endpoint.Add(
      "write", Role::kWriter,
      {{Method::kPost, "/v1/feature-group/write"}, {Method::kPost, "/feature-group/write-features-v2", true}},
      [deps](const api::Call& call, http::Response& response) { return Write(deps, call, response); });
  endpoint.Add(
      "batch_write", Role::kWriter,
      {{Method::kPost, "/v1/feature-group/batch-write"},
       {Method::kPost, "/feature-group/write-features-v1", true}},
      [deps](const api::Call& call, http::Response& response) { return BatchWrite(deps, call, response); });
  endpoint.Add(
      "write_async", Role::kWriter, {{Method::kPost, "/v1/feature-group/write-async"}},
      [deps](const api::Call& call, http::Response& response) { return WriteAsync(deps, call, response); });
  RegisterLegacyRoutes(api_endpoint, deps);
}

}  // namespace ofs::serving
