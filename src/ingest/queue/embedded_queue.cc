#include "ingest/queue/embedded_queue.h"

#include <algorithm>

namespace ofs::ingest {
namespace {

constexpr char kFormatVersion = 1;

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutBytes(std::string_view bytes, std::string* out) {
  PutVarint(bytes.size(), out);
  out->append(bytes);
}

bool GetVarint(std::string_view* in, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64 && !in->empty(); shift += 7) {
    const auto byte = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    *v |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

bool GetBytes(std::string_view* in, std::string* out) {
  uint64_t size = 0;
  if (!GetVarint(in, &size) || size > in->size()) return false;
  out->assign(in->substr(0, size));
  in->remove_prefix(size);
  return true;
}

}  // namespace

std::string EncodeQueuedRecord(const Record& record, std::string_view topic) {
  std::string out;
  out.reserve(16 + topic.size() + record.key.size() + record.value.size() + 32 * record.headers.size());
  out.push_back(kFormatVersion);
  PutBytes(topic, &out);
  PutBytes(record.key, &out);
  PutBytes(record.value, &out);
  PutVarint(static_cast<uint64_t>(record.timestamp_ms + 1), &out);  // -1 (none) -> 0
  PutVarint(record.headers.size(), &out);
  for (const Header& h : record.headers) {
    PutBytes(h.name, &out);
    PutBytes(h.value, &out);
  }
  return out;
}

bool DecodeQueuedRecord(std::string_view bytes, Record* record) {
  if (bytes.empty() || bytes.front() != kFormatVersion) return false;
  bytes.remove_prefix(1);
  uint64_t timestamp = 0;
  uint64_t headers = 0;
  if (!GetBytes(&bytes, &record->topic) || !GetBytes(&bytes, &record->key) ||
      !GetBytes(&bytes, &record->value) || !GetVarint(&bytes, &timestamp) || !GetVarint(&bytes, &headers) ||
      headers > bytes.size()) {
    return false;
  }
  record->timestamp_ms = static_cast<int64_t>(timestamp) - 1;
  record->headers.resize(headers);
  for (Header& h : record->headers) {
    if (!GetBytes(&bytes, &h.name) || !GetBytes(&bytes, &h.value)) return false;
  }
  return bytes.empty();
}

Result<std::unique_ptr<EmbeddedQueue>> EmbeddedQueue::Open(storage::RocksStore* store, Options options,
                                                           metrics::Registry* registry) {
  std::unique_ptr<EmbeddedQueue> queue(new EmbeddedQueue(store, std::move(options)));
  OFS_ASSIGN_OR_RETURN(auto records, store->QueueBounds(kRecordsLog));
  OFS_ASSIGN_OR_RETURN(auto letters, store->QueueBounds(kDeadLetterLog));
  // Whatever is still in the log was not committed: it is taken again.
  queue->cursor_ = queue->committed_ = queue->trimmed_ = records.first;
  queue->next_[kRecordsLog] = records.second;
  queue->first_dead_letter_ = letters.first;
  queue->next_[kDeadLetterLog] = letters.second;
  EmbeddedQueue* self = queue.get();
  registry->AddCallbackGauge("ofs_ingest_queue_backlog", "Records in the embedded queue not applied yet", {},
                             [self] { return static_cast<double>(self->Backlog()); });
  return queue;
}

Status EmbeddedQueue::Append(uint8_t log, const std::vector<Record>& records, std::string_view topic,
                             storage::Durability durability) {
  thread_local std::vector<std::string> entries;
  entries.clear();
  for (const Record& r : records) entries.push_back(EncodeQueuedRecord(r, topic));
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return Status(ErrorCode::kStoreUnavailable, "the ingestion queue is closed");
  // Under the mutex: sequence numbers are appended in order.
  OFS_RETURN_IF_ERROR(store_->QueueAppend(log, next_[log], entries, durability));
  next_[log] += entries.size();
  if (log == kDeadLetterLog && next_[log] - first_dead_letter_ > options_.max_dead_letters) {
    first_dead_letter_ = next_[log] - options_.max_dead_letters;
    (void)store_->QueueTrim(kDeadLetterLog, first_dead_letter_);  // best effort: retried by the next append
  }
  if (log == kRecordsLog) appended_.notify_all();
  return Status::Ok();
}

void EmbeddedQueue::Produce(std::string_view topic, std::vector<Record> records, ProduceCompletion done) {
  const bool dead_letters = topic == options_.dead_letter_topic;
  // write-async runs on an event loop: its append is applied now and made durable by the serving loop's
  // next group commit (SyncStart::kAtStartSyncs); dead letters come from the consumer thread.
  Status appended =
      Append(dead_letters ? kDeadLetterLog : kRecordsLog, records, topic, storage::Durability::kApplied);
  if (!appended.ok()) return done(std::move(appended));
  store_->SyncWrites(std::move(done),
                     dead_letters ? storage::SyncStart::kNow : storage::SyncStart::kAtStartSyncs);
}

Status EmbeddedQueue::Poll(size_t max, std::chrono::milliseconds wait, std::chrono::milliseconds linger,
                           std::vector<Record>* out) {
  uint64_t available = 0;
  {
    std::unique_lock<std::mutex> lock(mu_);
    appended_.wait_for(lock, wait, [&] { return closed_ || next_[kRecordsLog] > cursor_; });
    if (next_[kRecordsLog] > cursor_ && next_[kRecordsLog] - cursor_ < max && linger.count() > 0) {
      appended_.wait_for(lock, linger, [&] { return closed_ || next_[kRecordsLog] - cursor_ >= max; });
    }
    available = next_[kRecordsLog] - cursor_;
  }
  if (available == 0) return Status::Ok();
  std::vector<std::pair<uint64_t, std::string>> entries;
  OFS_RETURN_IF_ERROR(store_->QueueRead(kRecordsLog, cursor_, std::min<uint64_t>(max, available), &entries));
  for (auto& [sequence, bytes] : entries) {
    Record record;
    if (!DecodeQueuedRecord(bytes, &record)) {
      record = Record{};
      record.value = std::move(bytes);  // fails decoding as a record, and is dead-lettered
    }
    record.offset = static_cast<int64_t>(sequence);
    out->push_back(std::move(record));
    cursor_ = sequence + 1;
  }
  return Status::Ok();
}

Status EmbeddedQueue::Commit() {
  {
    std::lock_guard<std::mutex> lock(mu_);  // Backlog reads it from other threads
    committed_ = cursor_;
  }
  const auto now = std::chrono::steady_clock::now();
  if (committed_ == trimmed_ || now - last_trim_ < options_.trim_interval) return Status::Ok();
  OFS_RETURN_IF_ERROR(store_->QueueTrim(kRecordsLog, committed_));
  trimmed_ = committed_;
  last_trim_ = now;
  return Status::Ok();
}

void EmbeddedQueue::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return;
  if (committed_ != trimmed_) (void)store_->QueueTrim(kRecordsLog, committed_);
  trimmed_ = committed_;
  closed_ = true;
  appended_.notify_all();
}

Status EmbeddedQueue::DeadLetters(size_t max, std::vector<Record>* out) {
  uint64_t first = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const uint64_t end = next_[kDeadLetterLog];
    first = std::max<uint64_t>(first_dead_letter_, end > max ? end - max : 0);
  }
  std::vector<std::pair<uint64_t, std::string>> entries;
  OFS_RETURN_IF_ERROR(store_->QueueRead(kDeadLetterLog, first, max, &entries));
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    Record record;
    if (!DecodeQueuedRecord(it->second, &record)) continue;
    record.offset = static_cast<int64_t>(it->first);
    out->push_back(std::move(record));
  }
  return Status::Ok();
}

uint64_t EmbeddedQueue::Backlog() const {
  std::lock_guard<std::mutex> lock(mu_);
  return next_[kRecordsLog] - committed_;
}

}  // namespace ofs::ingest
