#include "kafka/kafka_topic_admin.h"

#include <array>
#include <charconv>
#include <map>
#include <string>

namespace ofs::kafka {
namespace {

// A topic-level error of an admin answer: refusals are the caller's (KAFKA-ADMIN), the rest Kafka's.
Status TopicError(const rd_kafka_topic_result_t* result, std::string_view what) {
  const rd_kafka_resp_err_t err = rd_kafka_topic_result_error(result);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Ok();
  const char* message = rd_kafka_topic_result_error_string(result);
  std::string reason = message != nullptr ? message : rd_kafka_err2str(err);
  switch (err) {
    case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:
    case RD_KAFKA_RESP_ERR_INVALID_PARTITIONS:
    case RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR_POLICY_VIOLATION:
    case RD_KAFKA_RESP_ERR_INVALID_REQUEST:
      return Status(ErrorCode::kKafkaAdmin, std::string(what) + " refused: " + reason,
                    std::string("topic ") + rd_kafka_topic_result_name(result));
    default:
      return KafkaError(what, reason);
  }
}

}  // namespace

Result<std::unique_ptr<KafkaTopicAdmin>> KafkaTopicAdmin::Open(const KafkaOptions& options) {
  std::unique_ptr<KafkaTopicAdmin> admin(new KafkaTopicAdmin(options));
  OFS_ASSIGN_OR_RETURN(Conf conf, MakeConf(options, {}));
  OFS_ASSIGN_OR_RETURN(admin->rk_, MakeHandle(RD_KAFKA_PRODUCER, std::move(conf)));
  return admin;
}

Status KafkaTopicAdmin::CreateTopic(std::string_view topic, int64_t partitions) {
  std::array<char, 512> error{};
  const std::string name(topic);
  rd_kafka_NewTopic_t* request = rd_kafka_NewTopic_new(
      name.c_str(), static_cast<int>(partitions), options_.topic_replication, error.data(), error.size());
  if (request == nullptr) return Status(ErrorCode::kKafkaAdmin, "topic creation refused", error.data());
  AdminCall call(rk_.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS, options_.admin_timeout);
  rd_kafka_CreateTopics(rk_.get(), &request, 1, call.options(), call.queue());
  rd_kafka_NewTopic_destroy(request);
  OFS_ASSIGN_OR_RETURN(rd_kafka_event_t * event, call.Wait("topic creation"));
  size_t count = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count);
  for (size_t i = 0; i < count; ++i) OFS_RETURN_IF_ERROR(TopicError(results[i], "topic creation"));
  return Status::Ok();
}

Status KafkaTopicAdmin::SetPartitions(std::string_view topic, int64_t partitions) {
  std::array<char, 512> error{};
  const std::string name(topic);
  rd_kafka_NewPartitions_t* request =
      rd_kafka_NewPartitions_new(name.c_str(), static_cast<size_t>(partitions), error.data(), error.size());
  if (request == nullptr) return Status(ErrorCode::kKafkaAdmin, "partition change refused", error.data());
  AdminCall call(rk_.get(), RD_KAFKA_ADMIN_OP_CREATEPARTITIONS, options_.admin_timeout);
  rd_kafka_CreatePartitions(rk_.get(), &request, 1, call.options(), call.queue());
  rd_kafka_NewPartitions_destroy(request);
  OFS_ASSIGN_OR_RETURN(rd_kafka_event_t * event, call.Wait("partition change"));
  size_t count = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(event), &count);
  for (size_t i = 0; i < count; ++i) OFS_RETURN_IF_ERROR(TopicError(results[i], "partition change"));
  return Status::Ok();
}

Result<std::vector<ingest::TopicDescription>> KafkaTopicAdmin::DescribeTopics() {
  const rd_kafka_metadata_t* metadata = nullptr;
  const rd_kafka_resp_err_t err =
      rd_kafka_metadata(rk_.get(), 1, nullptr, &metadata, static_cast<int>(options_.admin_timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return KafkaError("metadata request", err);
  std::map<std::string, ingest::TopicDescription> topics;
  for (int t = 0; t < metadata->topic_cnt; ++t) {
    const rd_kafka_metadata_topic_t& topic = metadata->topics[t];
    if (topic.err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    ingest::TopicDescription& d = topics[topic.topic];
    d.name = topic.topic;
    d.partitions = topic.partition_cnt;
    d.replication_factor = topic.partition_cnt > 0 ? topic.partitions[0].replica_cnt : 0;
  }
  rd_kafka_metadata_destroy(metadata);
  if (topics.empty()) return std::vector<ingest::TopicDescription>{};

  // retention.ms of every topic, in one DescribeConfigs request.
  std::vector<rd_kafka_ConfigResource_t*> resources;
  for (const auto& [name, d] : topics)
    resources.push_back(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name.c_str()));
  AdminCall call(rk_.get(), RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, options_.admin_timeout);
  rd_kafka_DescribeConfigs(rk_.get(), resources.data(), resources.size(), call.options(), call.queue());
  rd_kafka_ConfigResource_destroy_array(resources.data(), resources.size());
  Result<rd_kafka_event_t*> event = call.Wait("topic configuration request");
  if (event.ok()) {
    size_t count = 0;
    const rd_kafka_ConfigResource_t** described =
        rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(*event), &count);
    for (size_t i = 0; i < count; ++i) {
      auto it = topics.find(rd_kafka_ConfigResource_name(described[i]));
      if (it == topics.end() || rd_kafka_ConfigResource_error(described[i]) != RD_KAFKA_RESP_ERR_NO_ERROR)
        continue;
      size_t entries = 0;
      const rd_kafka_ConfigEntry_t** configs = rd_kafka_ConfigResource_configs(described[i], &entries);
      for (size_t e = 0; e < entries; ++e) {
        if (std::string_view(rd_kafka_ConfigEntry_name(configs[e])) != "retention.ms") continue;
        const char* value = rd_kafka_ConfigEntry_value(configs[e]);
        int64_t ms = -1;
        if (value != nullptr) std::from_chars(value, value + std::char_traits<char>::length(value), ms);
        it->second.retention_ms = ms;
      }
    }
  }
  std::vector<ingest::TopicDescription> out;
  for (auto& [name, d] : topics) out.push_back(std::move(d));
  return out;
}

}  // namespace ofs::kafka
