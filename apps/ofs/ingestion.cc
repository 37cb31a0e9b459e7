#include "ingestion.h"

#include <chrono>
#include <cstdlib>
#include <utility>

#include "api/envelope.h"
#include "base/log.h"
#include "codec/value_codec.h"
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
  options.max_message_bytes = config.ingest_max_record_bytes + (64 << 10);
  std::string_view rest = config.kafka_properties;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    const std::string_view pair = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    const size_t eq = pair.find('=');
    if (pair.empty()) continue;
    // A pair without '=' reaches librdkafka as a name with an empty value, which it refuses by name.
    options.properties.emplace_back(std::string(pair.substr(0, eq)), eq == std::string_view::npos
                                                                         ? std::string()
                                                                         : std::string(pair.substr(eq + 1)));
  }
  return options;
}

namespace {

std::string DeadLetterTopicOf(const Config& config) {
  return config.kafka_dead_letter_topic.empty()
             ? config.kafka_topic_prefix + ingest::DeadLetterTopic(config.kafka_environment)
             : config.kafka_dead_letter_topic;
}

}  // namespace

Result<std::unique_ptr<Ingestion>> Ingestion::StartKafka(const Config& config, bool consume, Deps deps) {
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
  ingestion->sink_ = ingestion->producer_.get();
  // A broker that cannot be reached at start is a configuration error to report now, in one line.
  if (Status reachable = ingestion->producer_->Health(); !reachable.ok()) return named(reachable);
  if (!consume) return ingestion;
  Result<std::unique_ptr<kafka::KafkaConsumer>> source =
      kafka::KafkaConsumer::Open(ingestion->options_, deps.registry);
  if (!source.ok()) return named(source.status());
  ingestion->source_ = std::move(source).value();
  ingestion->StartConsumer(config, ingestion->source_.get(), deps);
  OFS_LOG_INFO("ingest", "consuming from Kafka {} as a member of consumer group {} (dead letters to {})",
               config.kafka_bootstrap, config.kafka_consumer_group, DeadLetterTopicOf(config));
  return ingestion;
}

Result<std::unique_ptr<Ingestion>> Ingestion::StartEmbedded(const Config& config, storage::RocksStore* store,
                                                            Deps deps) {
  std::unique_ptr<Ingestion> ingestion(new Ingestion());
  ingest::EmbeddedQueue::Options options;
  options.dead_letter_topic = DeadLetterTopicOf(config);
  OFS_ASSIGN_OR_RETURN(ingestion->queue_, ingest::EmbeddedQueue::Open(store, options, deps.registry));
  ingestion->sink_ = ingestion->queue_.get();
  ingestion->StartConsumer(config, ingestion->queue_.get(), deps);
  OFS_LOG_INFO("ingest", "write-async queues in the embedded store ({} records waiting)",
               ingestion->queue_->Backlog());
  return ingestion;
}

void Ingestion::StartConsumer(const Config& config, ingest::RecordSource* source, Deps deps) {
  ingest::ConsumerOptions options;
  options.max_batch = static_cast<size_t>(config.ingest_max_batch);
  options.linger = std::chrono::milliseconds(config.ingest_linger_ms);
  options.limits.max_value_bytes = static_cast<size_t>(config.ingest_max_record_bytes);
  options.dead_letter_topic = DeadLetterTopicOf(config);
  options.topic_prefix = config.kafka_topic_prefix;
  consumer_ = std::make_unique<ingest::Consumer>(
      options, ingest::ConsumerDeps{deps.catalog, deps.refresher, deps.store, source, sink_, deps.registry,
                                    deps.clock});
  consumer_->Start();
}

Ingestion::~Ingestion() { Stop(); }

void Ingestion::Stop() {
  if (consumer_) consumer_->Stop();  // finishes and commits the batch in hand, leaves the group
  consumer_.reset();
  source_.reset();
  producer_.reset();  // waits (kafka.produce_timeout_ms at most) for records in flight
  queue_.reset();
  sink_ = nullptr;
}

std::vector<HealthMonitor::Check> Ingestion::HealthChecks() {
  std::vector<HealthMonitor::Check> checks;
  if (producer_) checks.push_back({"kafka", [producer = producer_.get()] { return producer->Health(); }});
  if (consumer_) checks.push_back({"consumer", [consumer = consumer_.get()] { return consumer->Health(); }});
  return checks;
}

void Ingestion::WriteHealthDetails(codec::JsonWriter& out) const {
  if (queue_) {
    out.Key("ingestQueue");
    out.StartObject();
    out.Key("backlog");
    out.Int(static_cast<int64_t>(queue_->Backlog()));
    out.EndObject();
    return;
  }
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

namespace ofs::app {

// {"data": {"deadLetters": [{"topic", "keyBase64", "value", "timestamp", "headers": {name: value},
// "error"}]}}, newest first.
void Ingestion::RegisterAdminRoutes(api::Endpoint& endpoint, const api::Offloader& offload) {
  if (!queue_) return;
  endpoint.Add("ingest_dead_letters", api::Role::kAdmin, {{http::Method::kGet, "/v1/ingest/dead-letters"}},
               api::Offload(offload, [queue = queue_.get()](const api::Call& call, http::Response& response) {
                 std::string text;
                 int64_t limit = 100;
                 if (call.request.QueryParam("limit", &text)) {
                   limit = std::atoll(text.c_str());
                   if (limit < 1 || limit > 10'000) {
                     return Status(ErrorCode::kInvalidRequest, "limit must be 1..10000");
                   }
                 }
                 std::vector<ingest::Record> letters;
                 OFS_RETURN_IF_ERROR(queue->DeadLetters(static_cast<size_t>(limit), &letters));
                 codec::JsonWriter out = api::BeginData(response);
                 out.StartObject();
                 out.Key("deadLetters");
                 out.StartArray();
                 for (const ingest::Record& r : letters) {
                   out.StartObject();
                   out.Key("topic");
                   out.String(r.topic);
                   std::string key;
                   codec::Base64Encode(r.key, &key);  // a partition key's value bytes
                   out.Key("keyBase64");
                   out.String(key);
                   out.Key("value");
                   out.String(r.value);
                   out.Key("timestamp");
                   out.Int(r.timestamp_ms);
                   out.Key("headers");
                   out.StartObject();
                   for (const ingest::Header& h : r.headers) {
                     if (h.name == ingest::kErrorHeader) continue;
                     out.Key(h.name);
                     out.String(h.value);
                   }
                   out.EndObject();
                   out.Key("error");
                   out.String(r.Find(ingest::kErrorHeader).value_or(""));
                   out.EndObject();
                 }
                 out.EndArray();
                 out.EndObject();
                 api::EndData(out);
                 return Status::Ok();
               }));
}

}  // namespace ofs::app
