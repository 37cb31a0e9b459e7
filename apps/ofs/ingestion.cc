#include "ingestion.h"

#include <chrono>
#include <utility>

#include "base/log.h"
#include "ingest/topics.h"

namespace ofs::app {

kafka::KafkaOptions KafkaOptionsOf(const Config& config) {
  kafka::KafkaOptions options;
  options.bootstrap = config.kafka_bootstrap;
  options.consumer_group = config.kafka_consumer_group;
  options.produce_timeout = std::chrono::milliseconds(config.kafka_produce_timeout_ms);
  options.admin_timeout = std::chrono::milliseconds(config.kafka_admin_timeout_ms);
  options.topic_partitions = static_cast<int32_t>(config.kafka_topic_partitions);
  options.topic_replication = static_cast<int16_t>(config.kafka_topic_replication);
  return options;
}

Result<std::unique_ptr<Ingestion>> Ingestion::Start(const Config& config, bool consume, Deps deps) {
  std::unique_ptr<Ingestion> ingestion(new Ingestion());
  ingestion->options_ = KafkaOptionsOf(config);
  auto named = [&](const Status& status) {
    return Status(status.code(),
                  "kafka.bootstrap (" + config.kafka_bootstrap + "): " + std::string(status.message()),
                  std::string(status.cause()));
  };
  Result<std::unique_ptr<kafka::KafkaProducer>> producer =
      kafka::KafkaProducer::Open(ingestion->options_, deps.registry);
  if (!producer.ok()) return named(producer.status());
  ingestion->producer_ = std::move(producer).value();
  // A broker that cannot be reached at start is a configuration error to report now, in one line.
  if (Status reachable = ingestion->producer_->Health(); !reachable.ok()) return named(reachable);
  if (!consume) return ingestion;

  Result<std::unique_ptr<kafka::KafkaConsumer>> source =
      kafka::KafkaConsumer::Open(ingestion->options_, deps.registry);
  if (!source.ok()) return named(source.status());
  ingestion->source_ = std::move(source).value();
  ingest::ConsumerOptions options;
  options.max_batch = static_cast<size_t>(config.ingest_max_batch);
  options.linger = std::chrono::milliseconds(config.ingest_linger_ms);
  options.limits.max_value_bytes = static_cast<size_t>(config.ingest_max_record_bytes);
  options.dead_letter_topic = config.kafka_dead_letter_topic.empty()
                                  ? ingest::DeadLetterTopic(config.kafka_environment)
                                  : config.kafka_dead_letter_topic;
  ingestion->consumer_ = std::make_unique<ingest::Consumer>(
      options, ingest::ConsumerDeps{deps.catalog, deps.refresher, deps.store, ingestion->source_.get(),
                                    ingestion->producer_.get(), deps.registry, deps.clock});
  ingestion->consumer_->Start();
  OFS_LOG_INFO("ingest", "consuming as member of consumer group {} (dead letters to {})",
               config.kafka_consumer_group, options.dead_letter_topic);
  return ingestion;
}

Ingestion::~Ingestion() { Stop(); }

void Ingestion::Stop() {
  if (consumer_) consumer_->Stop();  // finishes and commits the batch in hand, leaves the group
  consumer_.reset();
  source_.reset();
  producer_.reset();  // waits (kafka.produce_timeout_ms at most) for records in flight
}

std::vector<HealthMonitor::Check> Ingestion::HealthChecks() {
  std::vector<HealthMonitor::Check> checks;
  checks.push_back({"kafka", [producer = producer_.get()] { return producer->Health(); }});
  if (consumer_) checks.push_back({"consumer", [consumer = consumer_.get()] { return consumer->Health(); }});
  return checks;
}

void Ingestion::WriteHealthDetails(codec::JsonWriter& out) const {
  out.Key("kafka");
  out.StartObject();
  out.Key("bootstrap");
  out.String(options_.bootstrap);
  if (source_) {
    out.Key("consumerGroup");
    out.String(options_.consumer_group);
    out.Key("assignment");
    out.StartArray();
    for (const std::string& partition : source_->Assignment()) out.String(partition);
    out.EndArray();
  }
  out.EndObject();
}

}  // namespace ofs::app
