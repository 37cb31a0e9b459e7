#include "kafka/kafka_producer.h"

#include <algorithm>
#include <utility>

#include "base/log.h"

namespace ofs::kafka {

// A Produce call's records and completion. `pending` counts the records not yet reported plus the
// producer's own share, released once every record was handed to librdkafka (or failed): whoever brings it
// to zero runs `done` and deletes the batch.
struct KafkaProducer::Batch {
  std::vector<ingest::Record> records;
  ingest::ProduceCompletion done;
  std::atomic<size_t> pending{0};
  std::mutex mu;
  Status first_error;

  void Arrive(Status status) {
    if (!status.ok()) {
      std::lock_guard<std::mutex> lock(mu);
      if (first_error.ok()) first_error = std::move(status);
    }
    if (pending.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    ingest::ProduceCompletion callback = std::move(done);
    Status result = std::move(first_error);
    delete this;
    callback(std::move(result));
  }
};

KafkaProducer::KafkaProducer(const KafkaOptions& options, metrics::Registry* registry) : options_(options) {
  produced_ = &registry->GetCounter("ofs_kafka_produced_records_total", "Records Kafka acknowledged");
  failed_ = &registry->GetCounter("ofs_kafka_produce_failures_total", "Records Kafka did not acknowledge");
}

Result<std::unique_ptr<KafkaProducer>> KafkaProducer::Open(const KafkaOptions& options,
                                                           metrics::Registry* registry) {
  std::unique_ptr<KafkaProducer> producer(new KafkaProducer(options, registry));
  OFS_ASSIGN_OR_RETURN(
      Conf conf,
      MakeConf(options, {
                            {"enable.idempotence", "true"},
                            {"acks", "all"},
                            {"compression.codec", "lz4"},
                            {"linger.ms", "2"},
                            {"message.timeout.ms", std::to_string(options.produce_timeout.count())},
                            {"queue.buffering.max.messages", "1000000"},
                            {"message.max.bytes", std::to_string(options.max_message_bytes)},
                        }));
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &KafkaProducer::OnDelivery);
  rd_kafka_conf_set_opaque(conf.get(), producer.get());
  OFS_ASSIGN_OR_RETURN(producer->rk_, MakeHandle(RD_KAFKA_PRODUCER, std::move(conf)));
  producer->topics_ = std::make_unique<TopicCreator>(producer->rk_.get(), producer->options_);
  KafkaProducer* self = producer.get();
  producer->poller_ = std::thread([self] {
    while (!self->poll_stop_.load(std::memory_order_relaxed)) rd_kafka_poll(self->rk_.get(), 100);
  });
  producer->admin_thread_ = std::thread([self] { self->AdminLoop(); });
  return producer;
}

KafkaProducer::~KafkaProducer() {
  {
    std::lock_guard<std::mutex> lock(admin_mu_);
    stopping_.store(true);
  }
  admin_cv_.notify_all();
  if (admin_thread_.joinable()) admin_thread_.join();
  // Batches still waiting for their topic fail (the caller answers 503; nothing was acknowledged).
  for (auto& [topic, batch] : admin_queue_) {
    for (size_t i = 0; i < batch->records.size(); ++i)
      batch->Arrive(KafkaError("produce", "producer stopped"));
    batch->Arrive(Status::Ok());
  }
  admin_queue_.clear();
  if (rk_ != nullptr) {
    // What is in flight gets its deadline to be acknowledged; the rest is purged, and its delivery
    // reports (failures) served by the poll thread before it stops.
    Flush(options_.produce_timeout);
    rd_kafka_purge(rk_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    Flush(std::chrono::milliseconds(1000));
  }
  poll_stop_.store(true);
  if (poller_.joinable()) poller_.join();
  rk_.reset();
}

void KafkaProducer::Flush(std::chrono::milliseconds timeout) {
  if (rk_ != nullptr) rd_kafka_flush(rk_.get(), static_cast<int>(timeout.count()));
}

void KafkaProducer::OnDelivery(rd_kafka_t* /*rk*/, const rd_kafka_message_t* message, void* opaque) {
  auto* self = static_cast<KafkaProducer*>(opaque);
  auto* batch = static_cast<Batch*>(message->_private);
  if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    self->produced_->Inc();
    batch->Arrive(Status::Ok());
  } else {
    self->failed_->Inc();
    batch->Arrive(KafkaError("produce", message->err));
  }
}

void KafkaProducer::Produce(std::string_view topic, std::vector<ingest::Record> records,
                            ingest::ProduceCompletion done) {
  auto* batch = new Batch;
  batch->records = std::move(records);
  batch->done = std::move(done);
  batch->pending.store(batch->records.size() + 1, std::memory_order_relaxed);
  std::string name(topic);
  if (topics_->Known(name)) return ProduceNow(name, batch);
  {
    std::lock_guard<std::mutex> lock(admin_mu_);
    if (!stopping_.load()) {
      admin_queue_.emplace_back(std::move(name), batch);
      admin_cv_.notify_one();
      return;
    }
  }
  for (size_t i = 0; i < batch->records.size(); ++i) batch->Arrive(KafkaError("produce", "producer stopped"));
  batch->Arrive(Status::Ok());
}

void KafkaProducer::AdminLoop() {
  std::unique_lock<std::mutex> lock(admin_mu_);
  for (;;) {
    admin_cv_.wait(lock, [&] { return stopping_.load() || !admin_queue_.empty(); });
    if (stopping_.load()) return;
    auto [topic, batch] = std::move(admin_queue_.front());
    admin_queue_.pop_front();
    lock.unlock();
    Status created = topics_->Ensure({topic});
    if (created.ok()) {
      ProduceNow(topic, batch);
    } else {
      for (size_t i = 0; i < batch->records.size(); ++i) batch->Arrive(created);
      batch->Arrive(Status::Ok());
    }
    lock.lock();
  }
}

void KafkaProducer::ProduceNow(const std::string& topic, Batch* batch) {
  const size_t count = batch->records.size();
  for (size_t i = 0; i < count; ++i) {
    ingest::Record& record = batch->records[i];
    rd_kafka_headers_t* headers = rd_kafka_headers_new(record.headers.size());
    for (const ingest::Header& h : record.headers) {
      rd_kafka_header_add(headers, h.name.data(), static_cast<ssize_t>(h.name.size()), h.value.data(),
                          static_cast<ssize_t>(h.value.size()));
    }
    // rd_kafka_produceva, not rd_kafka_producev: the RD_KAFKA_V_* macros are GNU statement expressions.
    rd_kafka_vu_t args[7] = {};
    args[0].vtype = RD_KAFKA_VTYPE_TOPIC;
    args[0].u.cstr = topic.c_str();
    args[1].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
    args[1].u.i = RD_KAFKA_MSG_F_COPY;
    args[2].vtype = RD_KAFKA_VTYPE_KEY;
    args[2].u.mem.ptr = record.key.empty() ? nullptr : record.key.data();
    args[2].u.mem.size = record.key.size();
    args[3].vtype = RD_KAFKA_VTYPE_VALUE;
    args[3].u.mem.ptr = record.value.data();
    args[3].u.mem.size = record.value.size();
    args[4].vtype = RD_KAFKA_VTYPE_HEADERS;
    args[4].u.headers = headers;
    args[5].vtype = RD_KAFKA_VTYPE_TIMESTAMP;
    args[5].u.i64 = record.timestamp_ms > 0 ? record.timestamp_ms : 0;
    args[6].vtype = RD_KAFKA_VTYPE_OPAQUE;
    args[6].u.ptr = batch;
    rd_kafka_error_t* error = rd_kafka_produceva(rk_.get(), args, 7);
    const rd_kafka_resp_err_t err =
        error == nullptr ? RD_KAFKA_RESP_ERR_NO_ERROR : rd_kafka_error_code(error);
    if (error != nullptr) rd_kafka_error_destroy(error);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) continue;  // librdkafka owns the headers now
    rd_kafka_headers_destroy(headers);
    failed_->Inc(count - i);
    const Status failure =
        err == RD_KAFKA_RESP_ERR__QUEUE_FULL
            ? Status(ErrorCode::kOverloaded, "the Kafka producer's queue is full, retry later",
                     "queue.buffering.max.messages reached")
            : KafkaError("produce", err);
    for (size_t j = i; j < count; ++j) batch->Arrive(failure);
    break;
  }
  batch->Arrive(Status::Ok());  // the producer's share; may complete and delete the batch
}

Status KafkaProducer::Health() {
  return BrokerReachable(rk_.get(), std::min(options_.admin_timeout, std::chrono::milliseconds(1000)));
}

}  // namespace ofs::kafka
