#pragma once
// KafkaProducer: the RecordSink of write-async and of dead letters over librdkafka. Idempotent producer,
// acks=all, lz4; a batch's completion runs once every record of it has a delivery report (on the
// producer's poll thread), so a 202 means Kafka acknowledged every row. Produce never blocks: a topic not
// yet known to exist is created first on the producer's admin thread; a full local queue fails the
// batch's remaining records at once (OVERLOADED). Records not acknowledged within kafka.produce_timeout_ms
// fail the batch (STORE-UNAVAILABLE: broker down or slow).

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ingest/record_channel.h"
#include "kafka/kafka_client.h"
#include "metrics/metrics.h"

namespace ofs::kafka {

class KafkaProducer final : public ingest::RecordSink {
 public:
  static Result<std::unique_ptr<KafkaProducer>> Open(const KafkaOptions& options,
                                                     metrics::Registry* registry);
  ~KafkaProducer() override;

  void Produce(std::string_view topic, std::vector<ingest::Record> records,
               ingest::ProduceCompletion done) override;
  Status Health() override;
  // Waits up to `timeout` for every record in flight to be acknowledged (shutdown).
  void Flush(std::chrono::milliseconds timeout);

 private:
  struct Batch;
  KafkaProducer(const KafkaOptions& options, metrics::Registry* registry);
  static void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* message, void* opaque);
  void ProduceNow(const std::string& topic, Batch* batch);
  void AdminLoop();

  KafkaOptions options_;
  Handle rk_;
  std::unique_ptr<TopicCreator> topics_;
  std::atomic<bool> stopping_{false};   // the admin thread (under admin_mu_)
  std::atomic<bool> poll_stop_{false};  // the poll thread
  std::thread poller_;
  // Batches waiting for their topic to be created, served by admin_thread_ in order.
  std::mutex admin_mu_;
  std::condition_variable admin_cv_;
  std::deque<std::pair<std::string, Batch*>> admin_queue_;
  std::thread admin_thread_;
  metrics::Counter* produced_;
  metrics::Counter* failed_;
};

}  // namespace ofs::kafka
