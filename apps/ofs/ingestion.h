#pragma once
// The ingestion side of a role (API.md section 6): where write-async and dead letters go, and the consumer
// loop. Two kinds:
// - Kafka: the producer, and (`ofs consume`, `ofs standalone --kafka`) a consumer-group member;
// - embedded (`ofs standalone` without Kafka): the durable queue in the embedded RocksDB
//   (ingest/queue/embedded_queue.h) with its consumer in process, so write-async needs no setup.
// Application owns one when the role needs it and wires its sink into the serving API and its checks into
// /health.

#include <memory>
#include <string>
#include <vector>

#include "api/endpoint.h"
#include "api/offload.h"
#include "base/clock.h"
#include "catalog/catalog.h"
#include "catalog/refresher.h"
#include "codec/json_writer.h"
#include "config.h"
#include "health_monitor.h"
#include "ingest/consumer.h"
#include "ingest/queue/embedded_queue.h"
#include "kafka/kafka_consumer.h"
#include "kafka/kafka_producer.h"
#include "metrics/metrics.h"
#include "storage/online_store.h"
#include "storage/rocksdb/rocks_store.h"

namespace ofs::app {

class Ingestion {
 public:
  struct Deps {
    catalog::Catalog* catalog = nullptr;
    catalog::CatalogRefresher* refresher = nullptr;
    storage::OnlineStore* store = nullptr;
    metrics::Registry* registry = nullptr;
    const Clock* clock = nullptr;
  };

  // Connects to kafka.bootstrap (a broker that cannot be reached is an error now, naming the setting) and,
  // when `consume`, starts the consumer loop.
  static Result<std::unique_ptr<Ingestion>> StartKafka(const Config& config, bool consume, Deps deps);
  // Opens the embedded queue in `store` and starts its consumer loop.
  static Result<std::unique_ptr<Ingestion>> StartEmbedded(const Config& config, storage::RocksStore* store,
                                                          Deps deps);
  ~Ingestion();

  // The sink of write-async.
  ingest::RecordSink* sink() { return sink_; }
  // GET /v1/ingest/dead-letters?limit=N (embedded queue only: with Kafka, read the dead-letter topic).
  void RegisterAdminRoutes(api::Endpoint& endpoint, const api::Offloader& offload);
  // The /health checks: the broker, and the consumer loop when there is one.
  std::vector<HealthMonitor::Check> HealthChecks();
  // Adds "kafka": {"consumerGroup", "assignment": ["topic/partition", ...]} to GET /health's details.
  void WriteHealthDetails(codec::JsonWriter& out) const;
  // Stops the consumer (finishing and committing its batch), then flushes the producer. Idempotent.
  void Stop();

 private:
  Ingestion() = default;
  void StartConsumer(const Config& config, ingest::RecordSource* source, Deps deps);

  kafka::KafkaOptions options_;
  ingest::RecordSink* sink_ = nullptr;  // producer_ or queue_
  std::unique_ptr<ingest::EmbeddedQueue> queue_;
  std::unique_ptr<kafka::KafkaProducer> producer_;
  std::unique_ptr<kafka::KafkaConsumer> source_;
  std::unique_ptr<ingest::Consumer> consumer_;
};

// The librdkafka options of a configuration.
kafka::KafkaOptions KafkaOptionsOf(const Config& config);

}  // namespace ofs::app
