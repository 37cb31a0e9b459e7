#pragma once
// KafkaTopicAdmin: ingest::TopicAdmin over librdkafka's admin API (CreateTopics, CreatePartitions, metadata
// and DescribeConfigs), for Darwin's /consumer/* and /kafka/* admin routes. Each call blocks up to
// kafka.admin_timeout_ms. Thread-safe.

#include <memory>

#include "ingest/topic_admin.h"
#include "kafka/kafka_client.h"

namespace ofs::kafka {

class KafkaTopicAdmin final : public ingest::TopicAdmin {
 public:
  static Result<std::unique_ptr<KafkaTopicAdmin>> Open(const KafkaOptions& options);

  Status CreateTopic(std::string_view topic, int64_t partitions) override;
  Status SetPartitions(std::string_view topic, int64_t partitions) override;
  Result<std::vector<ingest::TopicDescription>> DescribeTopics() override;

 private:
  explicit KafkaTopicAdmin(const KafkaOptions& options) : options_(options) {}
  KafkaOptions options_;
  Handle rk_;
};

}  // namespace ofs::kafka
