#pragma once
// TopicAdmin: the Kafka topic operations behind Darwin's /consumer/* and /kafka/* admin routes
// (admin/consumer_handlers.cc), implemented over librdkafka by kafka::KafkaTopicAdmin. Null in AdminDeps when
// the process has no Kafka (kafka.bootstrap unset): the routes that need Kafka then answer
// OFS-V2-KAFKA-ADMIN-EXCEPTION (or, for topic metadata, OFS-V2-KAFKA-CONFIG-NOT-FOUND-EXCEPTION).
// Calls block for a round trip (admin handlers run on the admin workers). Thread-safe.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace ofs::ingest {

struct TopicDescription {
  std::string name;
  int64_t partitions = 0;
  int64_t replication_factor = 0;
  int64_t retention_ms = -1;  // -1 = unknown or infinite
};

class TopicAdmin {
 public:
  virtual ~TopicAdmin() = default;
  // Creates `topic`; KAFKA-ADMIN when it exists or Kafka refuses, STORE-UNAVAILABLE when unreachable.
  virtual Status CreateTopic(std::string_view topic, int64_t partitions) = 0;
  // Raises the topic's partition count to `partitions` (Kafka cannot lower it: KAFKA-ADMIN).
  virtual Status SetPartitions(std::string_view topic, int64_t partitions) = 0;
  // Every topic of the cluster (internal ones included), by name.
  virtual Result<std::vector<TopicDescription>> DescribeTopics() = 0;
};

}  // namespace ofs::ingest
