#include "kafka/kafka_client.h"

#include <algorithm>
#include <array>

namespace ofs::kafka {

Status KafkaError(std::string_view operation, std::string_view reason) {
  return Status(ErrorCode::kStoreUnavailable, "Kafka " + std::string(operation) + " failed",
                std::string(reason));
}

Status KafkaError(std::string_view operation, rd_kafka_resp_err_t error) {
  return KafkaError(operation, rd_kafka_err2str(error));
}

Result<Conf> MakeConf(const KafkaOptions& options,
                      const std::vector<std::pair<std::string, std::string>>& settings) {
  Conf conf(rd_kafka_conf_new());
  std::array<char, 512> error{};
  auto set = [&](const std::string& name, const std::string& value) -> Status {
    if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), error.data(), error.size()) !=
        RD_KAFKA_CONF_OK) {
      return Status(ErrorCode::kInvalidRequest, "kafka setting " + name + " = '" + value + "' refused",
                    error.data());
    }
    return Status::Ok();
  };
  if (options.bootstrap.empty()) return Result<Conf>(ErrorCode::kInvalidRequest, "kafka.bootstrap is empty");
  OFS_RETURN_IF_ERROR(set("bootstrap.servers", options.bootstrap));
  OFS_RETURN_IF_ERROR(set("client.id", options.client_id));
  // Connections fail fast on a loopback or LAN broker that is down, and are retried with backoff.
  OFS_RETURN_IF_ERROR(set("socket.connection.setup.timeout.ms",
                          std::to_string(std::max<int64_t>(1000, options.admin_timeout.count()))));
  OFS_RETURN_IF_ERROR(set("reconnect.backoff.max.ms", "1000"));
  OFS_RETURN_IF_ERROR(set("log.connection.close", "false"));
  for (const auto& [name, value] : options.properties) OFS_RETURN_IF_ERROR(set(name, value));
  for (const auto& [name, value] : settings) OFS_RETURN_IF_ERROR(set(name, value));
  return conf;
}

Result<Handle> MakeHandle(rd_kafka_type_t type, Conf conf) {
  std::array<char, 512> error{};
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), error.data(), error.size());
  if (rk == nullptr)
    return Result<Handle>(ErrorCode::kInvalidRequest, "cannot create a Kafka client", error.data());
  (void)conf.release();  // rd_kafka_new took it
  return Handle(rk);
}

bool TopicCreator::Known(std::string_view topic) const {
  std::lock_guard<std::mutex> lock(mu_);
  return known_.find(topic) != known_.end();
}

AdminCall::AdminCall(rd_kafka_t* rk, rd_kafka_admin_op_t op, std::chrono::milliseconds timeout)
    : queue_(rd_kafka_queue_new(rk)), options_(rd_kafka_AdminOptions_new(rk, op)), timeout_(timeout) {
  std::array<char, 256> error{};
  rd_kafka_AdminOptions_set_request_timeout(options_, static_cast<int>(timeout.count()), error.data(),
                                            error.size());
}

AdminCall::~AdminCall() {
  if (event_ != nullptr) rd_kafka_event_destroy(event_);
  rd_kafka_AdminOptions_destroy(options_);
  rd_kafka_queue_destroy(queue_);
}

Result<rd_kafka_event_t*> AdminCall::Wait(std::string_view what) {
  event_ = rd_kafka_queue_poll(queue_, static_cast<int>(timeout_.count()) + 1000);
  if (event_ == nullptr) return KafkaError(what, "no answer within kafka.admin_timeout_ms");
  if (rd_kafka_event_error(event_) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return KafkaError(what, rd_kafka_event_error_string(event_));
  return event_;
}

Status TopicCreator::Ensure(const std::vector<std::string>& topics) {
  std::vector<std::string> missing;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const std::string& t : topics) {
      if (known_.find(t) == known_.end()) missing.push_back(t);
    }
  }
  if (missing.empty()) return Status::Ok();
  std::array<char, 512> error{};
  std::vector<rd_kafka_NewTopic_t*> requests;
  auto free_requests = [&] {
    for (rd_kafka_NewTopic_t* t : requests) rd_kafka_NewTopic_destroy(t);
  };
  for (const std::string& t : missing) {
    rd_kafka_NewTopic_t* request = rd_kafka_NewTopic_new(
        t.c_str(), options_.topic_partitions, options_.topic_replication, error.data(), error.size());
    if (request == nullptr) {
      free_requests();
      return Status(ErrorCode::kInvalidRequest, "cannot create Kafka topic '" + t + "'", error.data());
    }
    requests.push_back(request);
  }
  AdminCall call(rk_, RD_KAFKA_ADMIN_OP_CREATETOPICS, options_.admin_timeout);
  rd_kafka_CreateTopics(rk_, requests.data(), requests.size(), call.options(), call.queue());
  free_requests();
  OFS_ASSIGN_OR_RETURN(rd_kafka_event_t * event, call.Wait("topic creation"));
  size_t count = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count);
  Status result;
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t i = 0; i < count; ++i) {
    const rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      known_.emplace(rd_kafka_topic_result_name(results[i]));
    } else if (result.ok()) {
      const char* message = rd_kafka_topic_result_error_string(results[i]);
      result = KafkaError(std::string("creation of topic '") + rd_kafka_topic_result_name(results[i]) + "'",
                          message != nullptr ? message : rd_kafka_err2str(err));
    }
  }
  return result;
}

Status BrokerReachable(rd_kafka_t* rk, std::chrono::milliseconds timeout) {
  const rd_kafka_metadata_t* metadata = nullptr;
  const rd_kafka_resp_err_t err =
      rd_kafka_metadata(rk, 0, nullptr, &metadata, static_cast<int>(timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return KafkaError("metadata request", err);
  const int brokers = metadata->broker_cnt;
  rd_kafka_metadata_destroy(metadata);
  if (brokers == 0) return KafkaError("metadata request", "no broker in the answer");
  return Status::Ok();
}

}  // namespace ofs::kafka
