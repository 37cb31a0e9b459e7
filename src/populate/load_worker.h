#pragma once
// LoadWorker: runs the load jobs of the metadata store (docs/ingestion.md, "Load jobs"), any number of
// them in any number of processes. One thread claims work from the store (metadata_store.h,
// ClaimLoadWork) and does it:
//
//   planning a QUEUED job   open the table at its toVersion (default: the latest), check the columns
//                           against the group, list the data files (minus fromVersion's) into the job
//   loading one data file   LoadFile with the job's write time, renewing the lease as it goes (into the
//                           store, or as records to the group's topic when the job's sink is kafka);
//                           then the file's counts are recorded once (FinishLoadFile)
//
// A failure the storage or the store may get over (retryable statuses) gives the work back for a later
// attempt (AbandonLoadWork with retry, after a delay); any other fails the job with its reason. A worker
// killed mid-file loses its lease and the file is claimed again: its cells carry the job's write time,
// so loading it again changes nothing in effect, and its rows are counted once.
// Lifecycle: Start() starts the thread; Stop() (or the destructor) ends it after the current batch.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "catalog/catalog.h"
#include "catalog/metadata_store.h"
#include "ingest/record_channel.h"
#include "metrics/metrics.h"
#include "populate/load_spec.h"
#include "storage/online_store.h"

namespace ofs::populate {

struct LoadWorkerOptions {
  std::string name;              // unique among workers: host:pid/index
  int64_t lease_ms = 30'000;     // a claim held without renewal this long is claimable again
  int64_t max_attempts = 5;      // claims of one piece of work before its job fails
  int64_t idle_poll_ms = 1'000;  // how often an idle worker looks for work (Wake() looks at once)
  size_t batch_rows = 8192;      // rows per Arrow batch and store write
  // Object-store settings every job gets (credentials live here, never in a job); a job's own
  // storageOptions are added after them.
  std::vector<std::pair<std::string, std::string>> storage_options;
  // The Kafka producer (kafka.bootstrap), for jobs whose sink is kafka (load_request.h, LoadSink); a
  // worker without one gives such work back for a worker that has one (and the job fails once the
  // attempts run out, saying why).
  ingest::RecordSink* kafka = nullptr;
  std::string topic_prefix;           // kafka.topic_prefix (catalog::Snapshot::TopicOfTenant)
  size_t max_record_bytes = 1 << 20;  // ingest.max_record_bytes
};

class LoadWorker {
 public:
  // Every pointer must outlive the worker. `registry` may be null (no metrics).
  LoadWorker(catalog::MetadataStore* metadata, catalog::Catalog* catalog, storage::OnlineStore* store,
             const Clock* clock, LoadWorkerOptions options, metrics::Registry* registry);
  ~LoadWorker();
  LoadWorker(const LoadWorker&) = delete;
  LoadWorker& operator=(const LoadWorker&) = delete;

  void Start();
  // Asks the thread to stop after its current batch, without waiting (Stop waits). Stopping several
  // workers: RequestStop each, then Stop each, so that none claims new work meanwhile.
  void RequestStop();
  void Stop();
  // Look for work now (a job was just created in this process).
  void Wake();

  // Claims and does one piece of work on the calling thread; false when there was none (or the claim
  // failed). For tests and the thread's loop.
  bool RunOnce();

 private:
  struct Prepared {
    int64_t table_version = -1;
    PreparedLoad load;
    std::unordered_map<std::string, size_t> file_index;  // data file path -> index in load.scan
    std::shared_ptr<const catalog::Snapshot> snapshot;   // what load.plan points into
  };
  static constexpr size_t kPreparedJobs = 4;  // jobs whose table, plan and files are kept

  void Loop();
  void Plan(const model::LoadClaim& claim);
  void LoadOne(const model::LoadClaim& claim);
  // The job's spec (request + what the job resolved), or the reason it cannot run.
  Result<LoadSpec> SpecOf(const model::LoadJob& job, bool planned) const;
  void Abandon(const model::LoadClaim& claim, const Status& status);
  int64_t NowMs() const { return clock_->NowMicros() / 1000; }

  catalog::MetadataStore* metadata_;
  catalog::Catalog* catalog_;
  storage::OnlineStore* store_;
  const Clock* clock_;
  LoadWorkerOptions options_;
  std::map<int64_t, Prepared> prepared_;  // by job id, the most recent kPreparedJobs (loop thread only)

  metrics::Counter* rows_loaded_ = nullptr;
  metrics::Counter* rows_failed_ = nullptr;
  metrics::Counter* files_done_ = nullptr;
  metrics::Counter* files_retried_ = nullptr;
  metrics::Counter* jobs_failed_ = nullptr;

  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  bool woken_ = false;     // guarded by mu_
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace ofs::populate
