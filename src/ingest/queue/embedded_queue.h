#pragma once
// EmbeddedQueue: Kafka's part of the ingestion path for `ofs standalone` without Kafka, so write-async works
// with zero setup (API.md section 3). Records are appended to a durable log inside the embedded RocksDB
// (RocksStore::QueueAppend: its own column family, the same WAL and group commit as writes) and taken by
// the same ingest::Consumer loop a Kafka consumer runs, in process:
//
//   write-async -> Produce: append (applied), then SyncWrites -> 202 once durable
//   Consumer    -> Poll from the cursor (woken by appends), write rows, Commit: trim what was applied
//
// One partition, so records are applied in append order. Dead letters go to a log of their own (the
// dead-letter topic's records: never consumed), kept up to `max_dead_letters` (the oldest are trimmed), and
// listed by DeadLetters(). After a crash, whatever was appended and not committed is taken again
// (at-least-once; ingestion is idempotent).
// Thread-safety: the RecordSink side from any thread; the RecordSource side from one consumer thread.

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ingest/record_channel.h"
#include "metrics/metrics.h"
#include "storage/rocksdb/rocks_store.h"

namespace ofs::ingest {

// The byte form of a record in the queue (an internal format, only ever read back by this process's own
// code: the store is trusted like the rest of the data directory; a malformed entry still only fails
// its record). Version byte 1, then length-prefixed topic, key, value, timestamp and headers.
std::string EncodeQueuedRecord(const Record& record, std::string_view topic);
// False when `bytes` is not a whole entry of that form.
bool DecodeQueuedRecord(std::string_view bytes, Record* record);

class EmbeddedQueue final : public RecordSink, public RecordSource {
 public:
  struct Options {
    std::string dead_letter_topic = "local_default_dlq";
    uint64_t max_dead_letters = 100'000;
    // The cursor's progress is trimmed from the log at most this often (each trim is a range tombstone).
    std::chrono::milliseconds trim_interval{1000};
  };
  static Result<std::unique_ptr<EmbeddedQueue>> Open(storage::RocksStore* store, Options options,
                                                     metrics::Registry* registry);

  // RecordSink.
  void Produce(std::string_view topic, std::vector<Record> records, ProduceCompletion done) override;
  Status Health() override { return store_->Health(); }

  // RecordSource (topics are ignored: the queue holds only records of tenant topics).
  Status Subscribe(const std::vector<std::string>& /*topics*/) override { return Status::Ok(); }
  Status Poll(size_t max, std::chrono::milliseconds wait, std::chrono::milliseconds linger,
              std::vector<Record>* out) override;
  Status Commit() override;
  void Close() override;

  // The newest dead letters, newest first, at most `max`.
  Status DeadLetters(size_t max, std::vector<Record>* out);
  // Records appended and not yet committed.
  uint64_t Backlog() const;

 private:
  static constexpr uint8_t kRecordsLog = 0;
  static constexpr uint8_t kDeadLetterLog = 1;
  EmbeddedQueue(storage::RocksStore* store, Options options) : store_(store), options_(std::move(options)) {}
  Status Append(uint8_t log, const std::vector<Record>& records, std::string_view topic,
                storage::Durability durability);

  storage::RocksStore* const store_;
  const Options options_;
  mutable std::mutex mu_;  // appends and the sequence numbers
  std::condition_variable appended_;
  uint64_t next_[2] = {0, 0};       // next sequence number per log
  uint64_t first_dead_letter_ = 0;  // the oldest dead letter kept
  uint64_t cursor_ = 0;             // records log: next to poll (consumer thread; read under mu_)
  uint64_t committed_ = 0;          // records log: everything below is applied
  uint64_t trimmed_ = 0;            // records log: everything below is deleted
  std::chrono::steady_clock::time_point last_trim_{};
  bool closed_ = false;
};

}  // namespace ofs::ingest
