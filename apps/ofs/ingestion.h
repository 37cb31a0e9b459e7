#pragma once
// The ingestion side of a role (API.md section 6): the Kafka producer behind write-async and dead letters,
// and the consumer loop of `ofs consume` (or of `ofs standalone --kafka`, in process). Application owns one
// when the role needs it and wires its sink into the serving API and its checks into /health.

#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "catalog/catalog.h"
#include "catalog/refresher.h"
#include "codec/json_writer.h"
#include "config.h"
#include "health_monitor.h"
#include "ingest/consumer.h"
#include "kafka/kafka_consumer.h"
#include "kafka/kafka_producer.h"
#include "metrics/metrics.h"
#include "storage/online_store.h"

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
  static Result<std::unique_ptr<Ingestion>> Start(const Config& config, bool consume, Deps deps);
  ~Ingestion();

  // The sink of write-async.
  ingest::RecordSink* sink() { return producer_.get(); }
  // The /health checks: the broker, and the consumer loop when there is one.
  std::vector<HealthMonitor::Check> HealthChecks();
  // Adds "kafka": {"consumerGroup", "assignment": ["topic/partition", ...]} to GET /health's details.
  void WriteHealthDetails(codec::JsonWriter& out) const;
  // Stops the consumer (finishing and committing its batch), then flushes the producer. Idempotent.
  void Stop();

 private:
  Ingestion() = default;
  kafka::KafkaOptions options_;
  std::unique_ptr<kafka::KafkaProducer> producer_;
  std::unique_ptr<kafka::KafkaConsumer> source_;
  std::unique_ptr<ingest::Consumer> consumer_;
};

// The librdkafka options of a configuration.
kafka::KafkaOptions KafkaOptionsOf(const Config& config);

}  // namespace ofs::app
