#include "kafka/kafka_consumer.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <set>

#include "base/log.h"

namespace ofs::kafka {
namespace {

struct ListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* list) const {
    rd_kafka_topic_partition_list_destroy(list);
  }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, ListDeleter>;

// Logs the error of an incremental (un)assign, which librdkafka reports as an error object.
void LogAssignError(rd_kafka_error_t* error, std::string_view what) {
  if (error == nullptr) return;
  OFS_LOG_WARN("kafka", "{} failed: {}", what, rd_kafka_error_string(error));
  rd_kafka_error_destroy(error);
}

ingest::Record ToRecord(const rd_kafka_message_t& message) {
  ingest::Record record;
  if (message.key != nullptr) record.key.assign(static_cast<const char*>(message.key), message.key_len);
  if (message.payload != nullptr) record.value.assign(static_cast<const char*>(message.payload), message.len);
  rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
  record.timestamp_ms = rd_kafka_message_timestamp(&message, &type);
  record.topic = rd_kafka_topic_name(message.rkt);
  record.partition = message.partition;
  record.offset = message.offset;
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(&message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR && headers != nullptr) {
    record.headers.reserve(rd_kafka_header_cnt(headers));
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    for (size_t i = 0;
         rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
      record.headers.push_back(ingest::Header{
          name, value != nullptr ? std::string(static_cast<const char*>(value), size) : std::string()});
    }
  }
  return record;
}

}  // namespace

KafkaConsumer::KafkaConsumer(const KafkaOptions& options, metrics::Registry* registry)
    : options_(options), registry_(registry) {
  rebalances_ =
      &registry->GetCounter("ofs_ingest_rebalances_total",
                            "Partition assignment changes of this consumer (assign and revoke events)");
  revoked_dropped_ = &registry->GetCounter("ofs_ingest_revoked_records_total",
                                           "Records dropped from a batch being collected because their "
                                           "partition was revoked (the new owner reads them)");
}

Result<std::unique_ptr<KafkaConsumer>> KafkaConsumer::Open(const KafkaOptions& options,
                                                           metrics::Registry* registry) {
  std::unique_ptr<KafkaConsumer> consumer(new KafkaConsumer(options, registry));
  OFS_ASSIGN_OR_RETURN(Conf conf,
                       MakeConf(options, {
                                             {"group.id", options.consumer_group},
                                             {"enable.auto.commit", "false"},
                                             {"enable.auto.offset.store", "false"},
                                             {"auto.offset.reset", "earliest"},
                                             {"partition.assignment.strategy", "cooperative-sticky"},
                                             {"session.timeout.ms", "10000"},
                                             {"heartbeat.interval.ms", "1000"},
                                             {"enable.partition.eof", "false"},
                                             // Prefetch deep enough that a consumer slower than the
                                             // broker never waits: librdkafka 2.0 pauses a partition's
                                             // fetches for ~1 s once its local queue is full.
                                             {"queued.min.messages", "1000000"},
                                             {"queued.max.messages.kbytes", "131072"},
                                             // Topics OFS creates appear in the subscription at once.
                                             {"topic.metadata.refresh.interval.ms", "5000"},
                                         }));
  rd_kafka_conf_set_rebalance_cb(conf.get(), &KafkaConsumer::OnRebalance);
  rd_kafka_conf_set_opaque(conf.get(), consumer.get());
  OFS_ASSIGN_OR_RETURN(consumer->rk_, MakeHandle(RD_KAFKA_CONSUMER, std::move(conf)));
  rd_kafka_poll_set_consumer(consumer->rk_.get());
  consumer->topics_ = std::make_unique<TopicCreator>(consumer->rk_.get(), consumer->options_);
  return consumer;
}

KafkaConsumer::~KafkaConsumer() { Close(); }

void KafkaConsumer::Close() {
  if (closed_ || rk_ == nullptr) return;
  closed_ = true;
  // Leaves the group: the revoke runs through OnRebalance, the partitions move to the others at once.
  if (rd_kafka_resp_err_t err = rd_kafka_consumer_close(rk_.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR)
    OFS_LOG_WARN("kafka", "consumer close: {}", rd_kafka_err2str(err));
}

Status KafkaConsumer::Subscribe(const std::vector<std::string>& topics) {
  OFS_RETURN_IF_ERROR(topics_->Ensure(topics));
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
  for (const std::string& t : topics)
    rd_kafka_topic_partition_list_add(list.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
  if (rd_kafka_resp_err_t err = rd_kafka_subscribe(rk_.get(), list.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return KafkaError("subscribe", err);
  std::string names;
  for (const std::string& t : topics) names += (names.empty() ? "" : ", ") + t;
  OFS_LOG_INFO("kafka", "consumer group {} subscribed to {}", options_.consumer_group, names);
  return Status::Ok();
}

void KafkaConsumer::OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  auto* self = static_cast<KafkaConsumer*>(opaque);
  self->rebalances_->Inc();
  const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    {
      std::lock_guard<std::mutex> lock(self->assignment_mu_);
      for (int i = 0; i < partitions->cnt; ++i) {
        const rd_kafka_topic_partition_t& p = partitions->elems[i];
        self->assignment_[{p.topic, p.partition}] = &self->registry_->GetGauge(
            "ofs_ingest_consumer_lag", "Records behind the partition's end, per assigned partition",
            {{"topic", p.topic}, {"partition", std::to_string(p.partition)}});
      }
    }
    OFS_LOG_INFO("kafka", "assigned {} partition(s)", partitions->cnt);
    if (cooperative) {
      LogAssignError(rd_kafka_incremental_assign(rk, partitions), "incremental assign");
    } else {
      rd_kafka_assign(rk, partitions);
    }
    return;
  }
  self->Revoked(partitions);
  OFS_LOG_INFO("kafka", "revoked {} partition(s){}", partitions->cnt,
               rd_kafka_assignment_lost(rk) ? " (lost: the group moved on without this member)" : "");
  if (cooperative) {
    LogAssignError(rd_kafka_incremental_unassign(rk, partitions), "incremental unassign");
  } else {
    rd_kafka_assign(rk, nullptr);
  }
}

void KafkaConsumer::Revoked(const rd_kafka_topic_partition_list_t* partitions) {
  std::set<PartitionKey> revoked;
  for (int i = 0; i < partitions->cnt; ++i)
    revoked.emplace(partitions->elems[i].topic, partitions->elems[i].partition);
  {
    std::lock_guard<std::mutex> lock(assignment_mu_);
    for (const PartitionKey& key : revoked) {
      auto it = assignment_.find(key);
      if (it == assignment_.end()) continue;
      it->second->Set(0);
      assignment_.erase(it);
    }
  }
  std::erase_if(pending_, [&](const Pending& p) { return revoked.count({p.topic, p.partition}) > 0; });
  if (collecting_ == nullptr) return;
  // Records of this Poll from a revoked partition: dropped, uncommitted (their new owner reads them).
  auto first = collecting_->begin() + static_cast<std::ptrdiff_t>(collecting_from_);
  const auto kept = std::remove_if(first, collecting_->end(), [&](const ingest::Record& r) {
    return revoked.count({r.topic, r.partition}) > 0;
  });
  revoked_dropped_->Inc(static_cast<uint64_t>(collecting_->end() - kept));
  collecting_->erase(kept, collecting_->end());
}

Status KafkaConsumer::Poll(size_t max, std::chrono::milliseconds wait, std::chrono::milliseconds linger,
                           std::vector<ingest::Record>* out) {
  using Clock = std::chrono::steady_clock;
  collecting_ = out;
  collecting_from_ = out->size();
  auto deadline = Clock::now() + wait;
  auto remaining_ms = [&deadline] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  };
  // While records keep coming, the clock is read every kClockEvery records, not at each (it was 2% of
  // the consumer's core): the deadline is then overshot by at most that many records' handling.
  constexpr size_t kClockEvery = 32;
  size_t since_clock = 0;
  int64_t remaining = remaining_ms();
  bool first = true;
  Status result;
  while (out->size() - collecting_from_ < max) {
    if (remaining < 0) break;
    rd_kafka_message_t* message = rd_kafka_consumer_poll(rk_.get(), static_cast<int>(remaining));
    if (message == nullptr) {
      remaining = remaining_ms();
      continue;
    }
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      remaining = remaining_ms();
      std::array<char, 512> reason{};
      if (rd_kafka_fatal_error(rk_.get(), reason.data(), reason.size()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        result = KafkaError("consumer", reason.data());
        rd_kafka_message_destroy(message);
        break;
      }
      // Transient (broker down, a topic not created yet): librdkafka retries by itself.
      OFS_LOG_DEBUG("kafka", "consumer: {}", rd_kafka_message_errstr(message));
      rd_kafka_message_destroy(message);
      continue;
    }
    ingest::Record record = ToRecord(*message);
    NoteNextOffset(record.topic, message->partition, message->offset + 1);
    out->push_back(std::move(record));
    rd_kafka_message_destroy(message);
    if (first) {
      first = false;
      deadline = Clock::now() + linger;
      remaining = remaining_ms();
    } else if (++since_clock == kClockEvery) {
      since_clock = 0;
      remaining = remaining_ms();
    }
  }
  collecting_ = nullptr;
  UpdateLag();
  return result;
}

void KafkaConsumer::NoteNextOffset(const std::string& topic, int32_t partition, int64_t next_offset) {
  // A batch holds a few partitions: a linear scan beats a map keyed by a string built per record.
  for (Pending& p : pending_) {
    if (p.partition == partition && p.topic == topic) {
      p.next_offset = next_offset;
      return;
    }
  }
  pending_.push_back(Pending{topic, partition, next_offset});
}

Status KafkaConsumer::Commit() {
  if (pending_.empty()) return Status::Ok();
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(pending_.size())));
  for (const Pending& p : pending_)
    rd_kafka_topic_partition_list_add(list.get(), p.topic.c_str(), p.partition)->offset = p.next_offset;
  pending_.clear();
  if (rd_kafka_resp_err_t err = rd_kafka_commit(rk_.get(), list.get(), 0); err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return KafkaError("offset commit", err);
  return Status::Ok();
}

void KafkaConsumer::UpdateLag() {
  std::lock_guard<std::mutex> lock(assignment_mu_);
  if (assignment_.empty()) return;
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(assignment_.size())));
  for (const auto& [key, gauge] : assignment_)
    rd_kafka_topic_partition_list_add(list.get(), key.first.c_str(), key.second);
  if (rd_kafka_position(rk_.get(), list.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
  for (int i = 0; i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& p = list->elems[i];
    int64_t low = 0;
    int64_t high = 0;
    if (rd_kafka_get_watermark_offsets(rk_.get(), p.topic, p.partition, &low, &high) !=
        RD_KAFKA_RESP_ERR_NO_ERROR)
      continue;
    const int64_t position = p.offset >= 0 ? p.offset : low;
    auto it = assignment_.find({p.topic, p.partition});
    if (it != assignment_.end()) it->second->Set(std::max<int64_t>(0, high - position));
  }
}

std::vector<std::string> KafkaConsumer::Assignment() const {
  std::lock_guard<std::mutex> lock(assignment_mu_);
  std::vector<std::string> out;
  for (const auto& [key, gauge] : assignment_) out.push_back(key.first + "/" + std::to_string(key.second));
  return out;
}

Status KafkaConsumer::Health() { return BrokerReachable(rk_.get(), std::chrono::milliseconds(1000)); }

}  // namespace ofs::kafka
