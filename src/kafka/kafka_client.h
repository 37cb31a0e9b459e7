#pragma once
// Shared pieces of OFS's librdkafka clients: configuration, handle ownership, topic administration and
// the broker reachability check. librdkafka does the whole Kafka protocol; nothing here speaks it.

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "kafka/kafka_options.h"

namespace ofs::kafka {

struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
using Conf = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

// A configuration with bootstrap.servers, client.id, the extra properties, then `settings` (name, value).
Result<Conf> MakeConf(const KafkaOptions& options,
                      const std::vector<std::pair<std::string, std::string>>& settings);
// Creates the client (the conf is consumed).
Result<Handle> MakeHandle(rd_kafka_type_t type, Conf conf);

// STORE-UNAVAILABLE naming the operation and Kafka's reason.
Status KafkaError(std::string_view operation, rd_kafka_resp_err_t error);
Status KafkaError(std::string_view operation, std::string_view reason);

// An admin request's queue, options and result event, released together.
class AdminCall {
 public:
  AdminCall(rd_kafka_t* rk, rd_kafka_admin_op_t op, std::chrono::milliseconds timeout);
  ~AdminCall();
  AdminCall(const AdminCall&) = delete;
  AdminCall& operator=(const AdminCall&) = delete;

  rd_kafka_queue_t* queue() const { return queue_; }
  rd_kafka_AdminOptions_t* options() const { return options_; }
  // Waits for the answer (the request timeout plus 1 s); STORE-UNAVAILABLE naming `what` when none comes
  // or the request as a whole failed. The event lives as long as this call.
  Result<rd_kafka_event_t*> Wait(std::string_view what);

 private:
  rd_kafka_queue_t* queue_;
  rd_kafka_AdminOptions_t* options_;
  std::chrono::milliseconds timeout_;
  rd_kafka_event_t* event_ = nullptr;
};

// Creates each of `topics` that does not exist yet (options.topic_partitions, topic_replication), and
// remembers those known to exist, so a later call for them costs nothing. Blocks up to admin_timeout.
// Thread-safe.
class TopicCreator {
 public:
  TopicCreator(rd_kafka_t* rk, const KafkaOptions& options) : rk_(rk), options_(options) {}
  Status Ensure(const std::vector<std::string>& topics);
  bool Known(std::string_view topic) const;

 private:
  rd_kafka_t* rk_;
  const KafkaOptions& options_;
  mutable std::mutex mu_;
  std::set<std::string, std::less<>> known_;
};

// OK when a broker answers a metadata request within `timeout`; STORE-UNAVAILABLE otherwise.
Status BrokerReachable(rd_kafka_t* rk, std::chrono::milliseconds timeout);

}  // namespace ofs::kafka
