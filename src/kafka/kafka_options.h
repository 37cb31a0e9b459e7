#pragma once
// Settings of OFS's Kafka clients (librdkafka: Debian's librdkafka-dev; docs/configuration.md, [kafka]).

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ofs::kafka {

struct KafkaOptions {
  std::string bootstrap;  // HOST:PORT[,HOST:PORT...]
  std::string client_id = "ofs";
  std::string consumer_group = "ofs-consumer";
  // A produced record not acknowledged (acks=all) within this is failed: write-async answers 503.
  std::chrono::milliseconds produce_timeout{5000};
  // Admin operations (topic creation, metadata) and the health check wait at most this.
  std::chrono::milliseconds admin_timeout{5000};
  int32_t topic_partitions = 8;           // partitions of a topic OFS creates
  int16_t topic_replication = -1;         // its replication factor; -1 = the broker's default
  int64_t max_message_bytes = 1'000'000;  // the producer's message.max.bytes
  // Extra librdkafka properties (security.protocol, sasl.*, ...), applied to every client.
  std::vector<std::pair<std::string, std::string>> properties;
};

}  // namespace ofs::kafka
