#include "populate/load_worker.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "base/log.h"
#include "populate/load_request.h"

namespace ofs::populate {
namespace {

// Keeps a claim's lease alive while its worker works on it, whatever the work is doing (replaying a big
// log, loading a file): a thread renews it every third of the lease. lost() turns true once the store says
// the worker no longer holds the claim (its lease ran out before a renewal and another worker took it);
// the worker then stops working on it. Renewal failures of the store itself are retried at the next tick.
class LeaseKeeper {
 public:
  LeaseKeeper(catalog::MetadataStore* metadata, const Clock* clock, const model::LoadClaim& claim,
              std::string worker, int64_t lease_ms)
      : thread_([=, this] {
          std::unique_lock lock(mu_);
          while (!done_) {
            if (cv_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(1, lease_ms / 3)),
                             [&] { return done_; }))
              break;
            lock.unlock();
            const int64_t now = clock->NowMicros() / 1000;
            Result<bool> renewed =
                metadata->RenewLoadLease(claim.job.id, claim.file_no, worker, now + lease_ms);
            if (renewed.ok() && !*renewed) lost_ = true;
            lock.lock();
          }
        }) {}
  ~LeaseKeeper() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  bool lost() const { return lost_; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;  // guarded by mu_
  std::atomic<bool> lost_{false};
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace

LoadWorker::LoadWorker(catalog::MetadataStore* metadata, catalog::Catalog* catalog,
                       storage::OnlineStore* store, const Clock* clock, LoadWorkerOptions options,
                       metrics::Registry* registry)
    : metadata_(metadata), catalog_(catalog), store_(store), clock_(clock), options_(std::move(options)) {
  if (registry != nullptr) {
    rows_loaded_ =
        &registry->GetCounter("ofs_load_rows_total", "Rows of load jobs, by outcome", {{"result", "loaded"}});
    rows_failed_ =
        &registry->GetCounter("ofs_load_rows_total", "Rows of load jobs, by outcome", {{"result", "failed"}});
    files_done_ = &registry->GetCounter("ofs_load_files_total", "Data files of load jobs, by outcome",
                                        {{"result", "done"}});
    files_retried_ = &registry->GetCounter("ofs_load_files_total", "Data files of load jobs, by outcome",
                                           {{"result", "retried"}});
    jobs_failed_ = &registry->GetCounter("ofs_load_jobs_failed_total", "Load jobs this worker failed");
  }
}

LoadWorker::~LoadWorker() { Stop(); }

void LoadWorker::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void LoadWorker::RequestStop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_ = true;
  wake_.notify_all();
}

void LoadWorker::Stop() {
  RequestStop();
  if (thread_.joinable()) thread_.join();
}

void LoadWorker::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  wake_.notify_all();
}

void LoadWorker::Loop() {
  while (!stop_) {
    if (RunOnce()) continue;
    std::unique_lock lock(mu_);
    wake_.wait_for(lock, std::chrono::milliseconds(options_.idle_poll_ms),
                   [&] { return stopping_ || woken_; });
    woken_ = false;
  }
}

bool LoadWorker::RunOnce() {
  const int64_t now = NowMs();
  Result<std::optional<model::LoadClaim>> claim =
      metadata_->ClaimLoadWork(options_.name, now, now + options_.lease_ms, options_.max_attempts);
  if (!claim.ok()) {
    OFS_LOG_WARN("load", "claiming load work failed: {}", claim.status().ToString());
    return false;
  }
  if (!claim->has_value()) return false;
  const model::LoadClaim& work = **claim;
  if (work.file_no < 0) {
    Plan(work);
  } else {
    LoadOne(work);
  }
  return true;
}

Result<LoadSpec> LoadWorker::SpecOf(const model::LoadJob& job, bool planned) const {
  OFS_ASSIGN_OR_RETURN(LoadRequest request, DecodeStoredLoadRequest(job.request));
  LoadSpec spec;
  spec.table_path = job.table_path;
  // The job's options first, the worker's after them: where both set a key, the worker's wins (the last
  // one does), so a job never redirects the worker's credentials (load_request.h).
  for (const auto& [key, value] : request.storage_options) spec.storage_options.emplace_back(key, value);
  spec.storage_options.insert(spec.storage_options.end(), options_.storage_options.begin(),
                              options_.storage_options.end());
  spec.group_name = job.group_name;
  spec.group_version = model::ParseVersion(job.group_version);
  // Once planned, the files are those of the planned version, whole (fromVersion chose them already).
  spec.from_version = planned ? std::nullopt : request.from_version;
  spec.to_version = planned ? std::optional<int64_t>(job.table_version) : request.to_version;
  spec.columns = request.columns;
  spec.batch_rows = options_.batch_rows;
  return spec;
}

void LoadWorker::Abandon(const model::LoadClaim& claim, const Status& status) {
  const bool retry = status.retryable();
  std::string error(status.message());
  if (!status.cause().empty()) error += " (" + std::string(status.cause()) + ")";
  OFS_LOG_WARN("load", "load job {}{}: {}{}", claim.job.id,
               claim.file_no < 0 ? std::string(" (planning)") : ", file " + claim.path, error,
               retry ? "; retried later" : "; the job fails");
  if (retry && files_retried_ != nullptr && claim.file_no >= 0) files_retried_->Inc();
  if (!retry && jobs_failed_ != nullptr) jobs_failed_->Inc();
  Status given_up =
      metadata_->AbandonLoadWork(claim.job.id, claim.file_no, options_.name, error, retry, NowMs());
  if (!given_up.ok()) {
    OFS_LOG_WARN("load", "load job {}: giving the work back failed ({}): its lease runs out instead",
                 claim.job.id, given_up.ToString());
  }
}

void LoadWorker::Plan(const model::LoadClaim& claim) {
  LeaseKeeper lease(metadata_, clock_, claim, options_.name, options_.lease_ms);  // a log replay may be long
  // The job may name a group this process has not seen yet (created through another admin): look first.
  catalog_->Refresh().IgnoreError();
  Result<LoadSpec> spec = SpecOf(claim.job, /*planned=*/false);
  if (!spec.ok()) return Abandon(claim, spec.status());
  std::shared_ptr<const catalog::Snapshot> snapshot = catalog_->CurrentShared();
  Result<PreparedLoad> prepared = PrepareLoad(*spec, *snapshot);
  if (!prepared.ok()) return Abandon(claim, prepared.status());
  std::vector<model::LoadFileEntry> files;
  for (size_t index : prepared->files) {
    const delta::DataFile& file = prepared->scan->files()[index];
    files.push_back({file.path, file.records});
  }
  Result<bool> planned =
      metadata_->PlanLoadJob(claim.job.id, options_.name, prepared->table->version(), files, NowMs());
  if (!planned.ok()) return Abandon(claim, Status(planned.status()).MarkRetryable());
  OFS_LOG_INFO("load", "load job {}: {} at version {}, {} data files into {} {}", claim.job.id,
               claim.job.table_path, prepared->table->version(), files.size(), claim.job.group_name,
               claim.job.group_version);
}

void LoadWorker::LoadOne(const model::LoadClaim& claim) {
  const model::LoadJob& job = claim.job;
  LeaseKeeper lease(metadata_, clock_, claim, options_.name, options_.lease_ms);
  Result<LoadRequest> request = DecodeStoredLoadRequest(job.request);
  if (!request.ok()) return Abandon(claim, request.status());
  if (request->sink == LoadSink::kKafka && options_.kafka == nullptr) {
    // Retried (before the table is opened): another worker may have one.
    return Abandon(claim, Status(ErrorCode::kStoreUnavailable,
                                 "the job's sink is kafka and this worker has no Kafka producer",
                                 "run the workers with --kafka, that is kafka.bootstrap")
                              .MarkRetryable());
  }
  auto cached = prepared_.find(job.id);
  if (cached == prepared_.end() || cached->second.table_version != job.table_version) {
    if (cached != prepared_.end()) prepared_.erase(cached);
    catalog_->Refresh().IgnoreError();
    Result<LoadSpec> spec = SpecOf(job, /*planned=*/true);
    if (!spec.ok()) return Abandon(claim, spec.status());
    std::shared_ptr<const catalog::Snapshot> snapshot = catalog_->CurrentShared();
    Result<PreparedLoad> load = PrepareLoad(*spec, *snapshot);
    if (!load.ok()) return Abandon(claim, load.status());
    if (prepared_.size() >= kPreparedJobs) prepared_.erase(prepared_.begin());  // the oldest job id
    Prepared p{job.table_version, std::move(load).value(), {}, std::move(snapshot)};
    const std::vector<delta::DataFile>& files = p.load.scan->files();
    for (size_t i = 0; i < files.size(); ++i) p.file_index.emplace(files[i].path, i);
    cached = prepared_.emplace(job.id, std::move(p)).first;
  }
  const Prepared& prepared = cached->second;
  auto found = prepared.file_index.find(claim.path);
  if (found == prepared.file_index.end()) {
    return Abandon(
        claim, Status(ErrorCode::kInvalidRequest, "data file " + claim.path + " is not part of version " +
                                                      std::to_string(job.table_version) + " of the table"));
  }
  LoadOptions options{.write_time_micros = job.write_time_ms * 1000, .replicate = request->replicate};
  KafkaTarget kafka;
  if (request->sink == LoadSink::kKafka) {
    const model::TenantConfig& tenant = prepared.load.plan.group().meta.tenant;
    kafka = {options_.kafka, catalog_->CurrentShared()->TopicOfTenant(tenant.consume, options_.topic_prefix),
             job.run_id, options_.max_record_bytes};
    options.kafka = &kafka;
  }
  Result<FileOutcome> outcome = LoadFile(*prepared.load.scan, found->second, prepared.load.plan, *store_,
                                         options, [&](int64_t) { return !stop_ && !lease.lost(); });
  if (lease.lost()) {
    OFS_LOG_WARN("load", "load job {}, file {}: the lease went to another worker; stopped", job.id,
                 claim.path);
    return;
  }
  if (!outcome.ok()) {
    if (stop_) return;  // stopping: the lease runs out and another worker (or this one, restarted) goes on
    return Abandon(claim, outcome.status());
  }
  const std::string sample = outcome->error_samples.empty() ? std::string() : outcome->error_samples.front();
  Result<bool> finished = metadata_->FinishLoadFile(
      job.id, claim.file_no, options_.name, outcome->rows_loaded, outcome->rows_failed, sample, NowMs());
  if (!finished.ok()) {
    OFS_LOG_WARN("load",
                 "load job {}, file {}: recording it failed ({}): it is loaded again when its lease ends",
                 job.id, claim.path, finished.status().ToString());
    return;
  }
  if (*finished) {
    if (rows_loaded_ != nullptr) rows_loaded_->Inc(static_cast<uint64_t>(outcome->rows_loaded));
    if (rows_failed_ != nullptr) rows_failed_->Inc(static_cast<uint64_t>(outcome->rows_failed));
    if (files_done_ != nullptr) files_done_->Inc();
  }
}

}  // namespace ofs::populate
