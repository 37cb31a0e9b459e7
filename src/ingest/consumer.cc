#include "ingest/consumer.h"

#include <algorithm>
#include <utility>

#include "base/log.h"
#include "ingest/countdown.h"

namespace ofs::ingest {
namespace {

// Batch sizes in rows: 1 .. 100k.
std::vector<double> RowBuckets() { return {1, 10, 100, 1'000, 5'000, 10'000, 50'000, 100'000}; }
// Freshness in seconds: 1 ms .. 10 min.
std::vector<double> FreshnessBuckets() {
  return {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 600};
}

}  // namespace

std::vector<std::string> TopicsOf(const catalog::Snapshot& snapshot, std::string_view prefix) {
  std::vector<std::string> topics{snapshot.TopicOfTenant(model::kDefaultTenant, prefix)};
  for (const auto& group : snapshot.groups())
    topics.push_back(snapshot.TopicOfTenant(group->meta.tenant.consume, prefix));
  for (const model::ConsumerTopic& registered : snapshot.consumer_topics())
    topics.push_back(registered.topic);
  std::sort(topics.begin(), topics.end());
  topics.erase(std::unique(topics.begin(), topics.end()), topics.end());
  return topics;
}

Consumer::Consumer(ConsumerOptions options, ConsumerDeps deps)
    : options_(std::move(options)), deps_(deps), batch_(deps.clock, options_.limits) {
  metrics::Registry& r = *deps_.registry;
  records_written_ = &r.GetCounter("ofs_ingest_records_total", "Ingestion records handled, by result",
                                   {{"result", "written"}});
  records_dead_lettered_ = &r.GetCounter("ofs_ingest_records_total", "Ingestion records handled, by result",
                                         {{"result", "dead_lettered"}});
  store_retries_ =
      &r.GetCounter("ofs_ingest_store_retries_total", "Batch writes to the store retried after a failure");
  commit_failures_ = &r.GetCounter("ofs_ingest_commit_failures_total",
                                   "Offset commits refused (a rebalance moved the partitions; they replay)");
  batch_rows_ = &r.GetHistogram("ofs_ingest_batch_rows", "Records per consumed batch", {}, RowBuckets());
  batch_latency_ = &r.GetHistogram("ofs_ingest_batch_duration_seconds",
                                   "Time from a batch's poll to its commit (decode, write, dead letters)");
  freshness_ = &r.GetHistogram("ofs_ingest_freshness_seconds",
                               "Now minus the record's timestamp when its row became readable", {},
                               FreshnessBuckets());
}

Consumer::~Consumer() { Stop(); }

void Consumer::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Consumer::Stop() {
  stopping_.store(true);
  if (thread_.joinable()) {
    thread_.join();
    deps_.source->Close();
  }
}

Status Consumer::Health() const {
  std::lock_guard<std::mutex> lock(health_mu_);
  return health_;
}

void Consumer::SetHealth(Status status) {
  std::lock_guard<std::mutex> lock(health_mu_);
  health_ = std::move(status);
}

void Consumer::Loop() {
  auto backoff = options_.retry_backoff;
  while (!stopping_.load()) {
    Result<size_t> handled = RunOnce();
    if (handled.ok()) {
      backoff = options_.retry_backoff;
      continue;
    }
    OFS_LOG_WARN("ingest", "consumer round failed: {}", handled.status().ToString());
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, options_.max_retry_backoff);
  }
}

Status Consumer::EnsureSubscribed() {
  const catalog::Snapshot* snapshot = deps_.catalog->Current();
  if (snapshot == nullptr) return Status(ErrorCode::kMetastoreUnavailable, "catalog not loaded yet");
  // The topics follow the catalog: recomputed (over every group) only when it changed.
  if (snapshot->change_counter() == subscribed_counter_) return Status::Ok();
  std::vector<std::string> topics = TopicsOf(*snapshot, options_.topic_prefix);
  if (topics != topics_) OFS_RETURN_IF_ERROR(deps_.source->Subscribe(topics));
  topics_ = std::move(topics);
  subscribed_counter_ = snapshot->change_counter();
  return Status::Ok();
}

void Consumer::Decode(const std::vector<Record>& records) {
  for (int attempt = 0;; ++attempt) {
    batch_.Clear();
    rejected_.clear();
    batch_.Use(deps_.catalog->CurrentShared());
    bool unknown_group = false;
    for (size_t i = 0; i < records.size(); ++i) {
      std::optional<Rejection> rejection = batch_.Add(records[i]);
      if (!rejection.has_value()) continue;
      unknown_group |= rejection->reason == kReasonUnknownGroup;
      rejected_.emplace_back(i, std::move(*rejection));
    }
    // A group created on `ofs admin` a moment ago: check the metadata store once, then decode again.
    if (!unknown_group || attempt > 0 || deps_.refresher == nullptr) return;
    const int64_t before = batch_.snapshot()->change_counter();
    if (!deps_.refresher->RefreshNow().ok() || deps_.catalog->Current()->change_counter() == before) return;
  }
}

Status Consumer::WriteRows() {
  auto backoff = options_.retry_backoff;
  for (;;) {
    Status written = batch_.Write(*deps_.store);
    if (written.ok()) return written;
    store_retries_->Inc();
    SetHealth(Status(written.code(), "ingestion cannot write to the store: " + std::string(written.message()),
                     std::string(written.cause())));
    if (stopping_.load()) return written;  // left uncommitted: replayed by the next owner
    OFS_LOG_WARN("ingest", "batch of {} rows not written ({}), retrying in {} ms", batch_.rows(),
                 written.ToString(), backoff.count());
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, options_.max_retry_backoff);
  }
}

Status Consumer::SendDeadLetters(const std::vector<Record>& records) {
  if (rejected_.empty()) return Status::Ok();
  std::vector<Record> letters;
  letters.reserve(rejected_.size());
  for (const auto& [index, rejection] : rejected_) {
    Record letter = records[index];
    letter.headers.push_back(Header{std::string(kErrorHeader), rejection.message});
    letters.push_back(std::move(letter));
  }
  Countdown sent(1);
  deps_.dead_letters->Produce(options_.dead_letter_topic, std::move(letters),
                              [&sent](Status status) { sent.Arrive(std::move(status)); });
  OFS_RETURN_IF_ERROR(sent.Wait());
  // Counted once acknowledged: a batch retried after a failed send counts its dead letters once.
  for (const auto& [index, rejection] : rejected_) {
    deps_.registry
        ->GetCounter("ofs_ingest_dead_letters_total", "Records sent to the dead-letter topic, by reason",
                     {{"reason", std::string(rejection.reason)}})
        .Inc();
  }
  return Status::Ok();
}

Result<size_t> Consumer::RunOnce() {
  Result<size_t> handled = HandleBatch();
  if (!handled.ok()) SetHealth(handled.status());
  return handled;
}

Result<size_t> Consumer::HandleBatch() {
  // A batch that failed part-way (dead letters not acknowledged, or the consumer stopping while the store
  // is down) stays in hand uncommitted and is handled again, whole, before anything new is polled.
  if (records_.empty()) {
    OFS_RETURN_IF_ERROR(EnsureSubscribed());
    OFS_RETURN_IF_ERROR(
        deps_.source->Poll(options_.max_batch, options_.poll_wait, options_.linger, &records_));
    if (records_.empty()) {
      SetHealth(Status::Ok());
      return size_t{0};
    }
  }
  const auto started = std::chrono::steady_clock::now();
  Decode(records_);
  OFS_RETURN_IF_ERROR(WriteRows());
  // Dead letters are acknowledged before the commit: a record is never both uncommitted-and-lost.
  OFS_RETURN_IF_ERROR(SendDeadLetters(records_));
  const int64_t now_ms = deps_.clock->NowMillis();
  for (const Record& record : records_) {
    if (record.timestamp_ms > 0)
      freshness_->Observe(static_cast<double>(now_ms - record.timestamp_ms) * 1e-3);
  }
  if (Status committed = deps_.source->Commit(); !committed.ok()) {
    commit_failures_->Inc();
    OFS_LOG_WARN("ingest", "offset commit refused ({}); the records replay, harmlessly",
                 committed.ToString());
  }
  records_written_->Inc(batch_.rows());
  records_dead_lettered_->Inc(rejected_.size());
  batch_rows_->Observe(static_cast<double>(records_.size()));
  batch_latency_->ObserveNanos(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - started)
          .count());
  SetHealth(Status::Ok());
  const size_t handled = records_.size();
  records_.clear();
  return handled;
}

}  // namespace ofs::ingest
