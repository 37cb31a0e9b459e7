#pragma once
// The serving API (API.md section 3): point reads, multi-reads, partition reads, synchronous writes
// and batch writes, on both the /v1 paths and the Darwin-compatible paths. Handlers validate against
// the catalog snapshot (lock-free), convert values once (codec), and talk to the OnlineStore.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "api/endpoint.h"
#include "api/offload.h"
#include "base/clock.h"
#include "catalog/catalog.h"
#include "catalog/refresher.h"
#include "ingest/record_channel.h"
#include "metrics/metrics.h"
#include "storage/online_store.h"

namespace ofs::serving {

// Request-size limits (explicit and configurable; exceeding one is a 400 with the request's code).
struct ServingLimits {
  size_t max_keys_per_read = 10'000;          // keys in one read (and per multi-read batch)
  size_t max_rows_per_write = 10'000;         // rows in one write (and per batch-write batch)
  size_t max_batches = 1'000;                 // batches in one multi-read / batch write
  size_t max_partition_rows = 100'000;        // rows in one partition-read page
  size_t max_async_record_bytes = 900 << 10;  // a write-async row as a record (ingest.max_record_bytes)
  // How far ahead of this node's clock a client's `ofs-write-time` may be (serving.max_write_time_ahead_ms).
  int64_t max_write_time_ahead_micros = 60'000'000;
};

// Write timestamps that strictly increase across the writes of one serving registration: a write
// acknowledged before another one starts always has the smaller timestamp, even within one microsecond
// of the clock or when the wall clock steps back. Thread-safe (one CAS per write request).
class WriteClock {
 public:
  explicit WriteClock(const Clock* clock) : clock_(clock) {}
  int64_t Next();

 private:
  const Clock* clock_;
  std::atomic<int64_t> last_{0};
};

struct ServingDeps {
  catalog::Catalog* catalog = nullptr;
  storage::OnlineStore* store = nullptr;
  const Clock* clock = nullptr;
  metrics::Registry* registry = nullptr;
  ServingLimits limits;
  // Set on a node whose catalog another process changes (`ofs serve`): requests that must see a change
  // made before they arrived wait for a check of the metadata store (catalog_gate.h). Null: never wait.
  catalog::CatalogRefresher* refresher = nullptr;
  // Where write-async puts its rows (Kafka, or the embedded queue); null = write-async answers 503.
  ingest::RecordSink* async_sink = nullptr;
  std::string topic_prefix;  // kafka.topic_prefix (catalog::Snapshot::TopicOfTenant)
  // Runs the legacy /ofs/async-batch-write off the event loops (it waits for the store); none = inline.
  api::Offloader offload;
  // Set by RegisterServingRoutes (one per registration); leave empty.
  std::shared_ptr<WriteClock> write_clock;
};

void RegisterServingRoutes(api::Endpoint& endpoint, const ServingDeps& deps);

}  // namespace ofs::serving
