#pragma once
// Consumer: the ingestion loop of `ofs consume` (and of `ofs standalone`, over Kafka or the embedded
// queue). One thread:
//
//   subscribe to every consume tenant's topic (the catalog's, checked each batch)
//   poll a batch (up to max_batch records, linger ms)  ->  RowBatch: decode each record
//   rejected records  ->  the dead-letter topic (original key, value and headers + `error`), acknowledged
//   rows              ->  the OnlineStore, retried with backoff until written (or the consumer stops)
//   commit            ->  only after every record of the batch is written or dead-lettered
//
// At-least-once: a crash between the write and the commit replays the batch, which changes nothing
// (idempotent upserts at each record's write time). Stop() lets the batch in hand finish (written and
// committed, unless the store is down: then it is left uncommitted for the next owner) and leaves the
// consumer group. A record naming a group the catalog lacks triggers one catalog refresh per batch
// before it is dead-lettered, so a group created a moment ago on `ofs admin` is not lost to a stale catalog.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "catalog/catalog.h"
#include "catalog/refresher.h"
#include "ingest/record_channel.h"
#include "ingest/row_batch.h"
#include "ingest/topics.h"
#include "metrics/metrics.h"
#include "storage/online_store.h"

namespace ofs::ingest {

struct ConsumerOptions {
  size_t max_batch = 10'000;                     // records per batch, at most
  std::chrono::milliseconds poll_wait{200};      // wait for a first record
  std::chrono::milliseconds linger{20};          // then take what arrives within this
  std::chrono::milliseconds retry_backoff{200};  // between attempts of a failed store write
  std::chrono::milliseconds max_retry_backoff{5000};
  std::string dead_letter_topic = "local_default_dlq";
  std::string topic_prefix;  // kafka.topic_prefix
  RowBatchLimits limits;
};

struct ConsumerDeps {
  catalog::Catalog* catalog = nullptr;
  catalog::CatalogRefresher* refresher = nullptr;  // may be null (no refresh on unknown groups)
  storage::OnlineStore* store = nullptr;
  RecordSource* source = nullptr;
  RecordSink* dead_letters = nullptr;
  metrics::Registry* registry = nullptr;
  const Clock* clock = nullptr;
};

class Consumer {
 public:
  Consumer(ConsumerOptions options, ConsumerDeps deps);
  ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  void Start();
  // Finishes the batch in hand, commits it, closes the source. Idempotent.
  void Stop();

  // For /health: OK while the loop runs and its last poll and commit succeeded; STORE-UNAVAILABLE with
  // the reason (the source's error, a store write failing) otherwise.
  Status Health() const;
  // Runs one poll-apply-commit round on the calling thread (tests; the thread of Start calls it).
  // Returns the records handled.
  Result<size_t> RunOnce();

 private:
  void Loop();
  Result<size_t> HandleBatch();
  Status EnsureSubscribed();
  // Decodes `records` into batch_ (restarting once with a refreshed catalog when a group is unknown);
  // fills rejected_.
  void Decode(const std::vector<Record>& records);
  Status WriteRows();
  Status SendDeadLetters(const std::vector<Record>& records);
  void SetHealth(Status status);

  const ConsumerOptions options_;
  const ConsumerDeps deps_;
  RowBatch batch_;
  std::vector<Record> records_;
  std::vector<std::pair<size_t, Rejection>> rejected_;  // record index, why
  std::vector<std::string> topics_;
  int64_t subscribed_counter_ = -1;  // the catalog's change counter topics_ was computed from
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  mutable std::mutex health_mu_;
  Status health_;
  // Metrics.
  metrics::Counter* records_written_;
  metrics::Counter* records_dead_lettered_;
  metrics::Counter* store_retries_;
  metrics::Counter* commit_failures_;
  metrics::Histogram* batch_rows_;
  metrics::Histogram* batch_latency_;
  metrics::Histogram* freshness_;
};

}  // namespace ofs::ingest
