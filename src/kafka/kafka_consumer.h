#pragma once
// KafkaConsumer: the RecordSource of `ofs consume` over librdkafka. A member of kafka.consumer_group with
// cooperative-sticky assignment (a member joining or leaving moves only the partitions that must move);
// auto-commit off: offsets are committed by Commit() only, synchronously, after the caller applied the
// records (at-least-once). Records of partitions revoked while a Poll collects are dropped from it (the
// new owner reads them again from the last commit). Lag per assigned partition is exported as
// ofs_ingest_consumer_lag{topic, partition} (high watermark minus position, from librdkafka's cache).
// Not thread-safe: one consumer thread.

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ingest/record_channel.h"
#include "kafka/kafka_client.h"
#include "metrics/metrics.h"

namespace ofs::kafka {

class KafkaConsumer final : public ingest::RecordSource {
 public:
  static Result<std::unique_ptr<KafkaConsumer>> Open(const KafkaOptions& options,
                                                     metrics::Registry* registry);
  ~KafkaConsumer() override;

  Status Subscribe(const std::vector<std::string>& topics) override;
  Status Poll(size_t max, std::chrono::milliseconds wait, std::chrono::milliseconds linger,
              std::vector<ingest::Record>* out) override;
  Status Commit() override;
  void Close() override;

  // The partitions assigned now, as "topic/partition" (for /health). Any thread.
  std::vector<std::string> Assignment() const;
  // Broker reachability (blocks up to a second). Any thread.
  Status Health();

 private:
  using PartitionKey = std::pair<std::string, int32_t>;
  KafkaConsumer(const KafkaOptions& options, metrics::Registry* registry);
  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* partitions, void* opaque);
  void Revoked(const rd_kafka_topic_partition_list_t* partitions);
  void UpdateLag();

  KafkaOptions options_;
  metrics::Registry* registry_;
  Handle rk_;
  std::unique_ptr<TopicCreator> topics_;
  bool closed_ = false;
  // Next offset to commit per partition (last returned record + 1), since the last commit.
  struct Pending {
    std::string topic;
    int32_t partition;
    int64_t next_offset;
  };
  std::vector<Pending> pending_;
  void NoteNextOffset(const std::string& topic, int32_t partition, int64_t next_offset);
  std::vector<ingest::Record>* collecting_ = nullptr;  // Poll's output while it runs
  size_t collecting_from_ = 0;                         // records Poll appended start here
  mutable std::mutex assignment_mu_;
  std::map<PartitionKey, metrics::Gauge*> assignment_;  // partition -> its lag gauge
  metrics::Counter* rebalances_;
  metrics::Counter* revoked_dropped_;
};

}  // namespace ofs::kafka
