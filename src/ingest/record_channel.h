#pragma once
// The seams between the ingestion path and whatever carries its records: a Kafka cluster (src/kafka) or
// the embedded queue of `ofs standalone` without Kafka (ingest/embedded_queue.h). Both sides of API.md
// section 6: producers append records (write-async, dead letters), consumers take them in order and
// commit what they have applied (at-least-once).

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "ingest/record.h"

namespace ofs::ingest {

using ProduceCompletion = std::function<void(Status)>;

// Appends records to topics.
// Thread-safety: every method may be called from any thread.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // Appends `records` to `topic` (creating the topic if it is missing). `done` runs once, on any thread
  // (possibly inline), with OK once every record is durably acknowledged (Kafka: acks=all), or the
  // first failure (STORE-UNAVAILABLE: the broker could not be reached or did not acknowledge within the
  // sink's deadline; OVERLOADED: the producer's queue is full). On failure some records may have been
  // appended (the caller's retry may append them twice: ingestion is idempotent).
  virtual void Produce(std::string_view topic, std::vector<Record> records, ProduceCompletion done) = 0;
  // Reachability for /health: OK or STORE-UNAVAILABLE with the reason. May block up to a second.
  virtual Status Health() = 0;
};

// Takes records of a set of topics in order (per partition), as a member of a consumer group.
// Not thread-safe: one consumer thread calls every method.
class RecordSource {
 public:
  virtual ~RecordSource() = default;
  // Subscribes to exactly `topics` (creating those that are missing); a change rebalances.
  virtual Status Subscribe(const std::vector<std::string>& topics) = 0;
  // Appends to *out up to `max` records, waiting at most `wait` for the first one and then taking what
  // arrives within `linger`. Records of partitions revoked by a rebalance during the call are dropped
  // (their new owner consumes them again). Errors: the source is unusable (e.g. fatal client error).
  virtual Status Poll(size_t max, std::chrono::milliseconds wait, std::chrono::milliseconds linger,
                      std::vector<Record>* out) = 0;
  // Commits every record returned by Poll so far: they will not be delivered to this consumer group
  // again. A commit refused because a rebalance moved the partitions is not an error of the caller's
  // data: the new owner consumes those records again (idempotent).
  virtual Status Commit() = 0;
  // Leaves the group (the partitions go to the other members at once).
  virtual void Close() = 0;
};

}  // namespace ofs::ingest
