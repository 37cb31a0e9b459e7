// ofs_kafka_ingest: S5 of the benchmark (PERFORMANCE.md: Kafka ingestion, rows/s from produce to readable,
// beside the broker's own consume rate on the same records; bench/README.md, "S5"). One program, one mode
// per process so that the harness pins each to its CPU:
//
//   produce    creates --topic (--partitions, as OFS creates its topics) and produces --records v2 records
//              of the benchmark dataset with librdkafka: idempotent, acks=all, lz4, large batches. Key = the
//              entity key's canonical bytes (as write-async keys them), value = the flat JSON row
//              {"id":K,"f0":...}, headers sdk-version=v2, feature-group-name=bench_fg,
//              feature-group-version=v1; record i carries key i % --entities, and the values are a pure
//              function of the key (so any record of a key leaves the same row). Timed from the first
//              produce call to the last delivery report: records/s.
//   reference  the broker's own consume rate: a plain librdkafka consumer (a new group, earliest, the
//              settings of OFS's KafkaConsumer, one synchronous commit at the end) reading --records
//              records of --topic with rd_kafka_consumer_poll in a tight loop, touching each payload (a
//              checksum of its bytes) and finding its feature-group-name header (what any consumer of the
//              contract must do). Records/s from the first record to the commit.
//   ofs        OFS's ingestion: the real ingest::Consumer over kafka::KafkaConsumer, writing into a fresh
//              RocksStore opened with the server's defaults (sync_writes on, 64 MiB write buffer, hashed
//              memtable, 256 MiB block cache) and a catalog in SQLite created through the admin routes
//              (group bench_fg whose consume tenant is --topic, so the consumer subscribes to it). RunOnce()
//              in a loop on this thread until every record is written, then a sample of rows (--verify)
//              is read back with RocksStore::MultiGet and compared with the values produced. Rows/s from
//              the first record to the last commit. --live: the topic starts empty; once the consumer has
//              its partitions it prints {"ready":true} and the harness starts a producer: the end-to-end
//              rate is computed from the producer's first produce to this run's last commit
//              (t_first_produce_ns, t_last_commit_ns: CLOCK_MONOTONIC, shared by the processes).
//              --group-sync (a diagnostic, not the product): the store wrapper applies each write without its
//              own WAL sync (Durability::kApplied) and one SyncWrites before each commit makes the batch
//              durable; what RowBatch::Write would do with one sync per batch instead of one per store write.
//
// Both consumers measure from their first record (the group join, typically 0.1-0.3 s, is reported apart as
// join_s and in *_per_s_with_join): the same starting line for both. --watch-pid P: the CPU time of P (the
// broker) over the measured window. --rdkafka NAME=VALUE,...: more librdkafka properties for every client
// of the run (a diagnostic: e.g. deeper prefetch queues). OFS_BENCH_RDKAFKA_DEBUG=cgrp,fetch: librdkafka's
// debug log on stderr. Output: one JSON line; exit 0, or 2 (the JSON says why).

#include <librdkafka/rdkafka.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cinttypes>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "admin/admin.h"
#include "api/endpoint.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/status.h"
#include "bench/dataset.h"
#include "bench/in_process.h"
#include "catalog/catalog.h"
#include "catalog/sqlite/sqlite_metadata_store.h"
#include "codec/value_codec.h"
#include "http/server.h"
#include "ingest/consumer.h"
#include "kafka/kafka_client.h"
#include "kafka/kafka_consumer.h"
#include "metrics/metrics.h"
#include "storage/rocksdb/rocks_store.h"
#include "storage/testing/forwarding_store.h"

#ifdef OFS_WITH_JEMALLOC
// The allocator and its settings as the ofs binary has them (apps/ofs/allocator.cc).
extern "C" {
// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables): jemalloc's documented hook
const char* malloc_conf = "thp:always,metadata_thp:auto";
}
#endif

namespace ofs::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

int64_t MonoNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now().time_since_epoch()).count();
}

double Seconds(int64_t from_ns, int64_t to_ns) { return static_cast<double>(to_ns - from_ns) * 1e-9; }

// ----------------------------------------------------------------------------------------------
// options
// ----------------------------------------------------------------------------------------------

enum class Mode { kProduce, kReference, kOfs };

struct Options {
  Mode mode = Mode::kProduce;
  std::string bootstrap;
  std::string topic = "s5";
  std::string group;  // consumer group; default: derived from the topic, the mode and the pid
  uint64_t records = 200'000;
  DatasetShape shape;
  int partitions = 8;  // kafka.topic_partitions' default
  size_t max_batch = 10'000;
  int64_t linger_ms = 20;  // ingest.linger_ms's default
  std::string work_dir;
  uint64_t verify = 1000;
  bool live = false;
  bool group_sync = false;  // diagnostic: one WAL sync per batch (see --group-sync)
  int watch_pid = 0;
  double timeout_s = 600;
  std::string log_level = "warn";
  std::string rdkafka;  // NAME=VALUE,... added to every librdkafka client of this run
};

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr,
               "ofs_kafka_ingest: %s\n"
               "usage: ofs_kafka_ingest --mode produce|reference|ofs --bootstrap HOST:PORT [--topic T]\n"
               "  [--records N] [--entities N] [--features F] [--seed S] [--partitions P] [--group G]\n"
               "  [--max-batch N] [--linger-ms MS] [--work-dir DIR] [--verify N] [--live] [--group-sync] "
               "[--watch-pid P]\n"
               "  [--timeout S] [--rdkafka NAME=VALUE,...] [--log-level warn]\n",
               why);
  std::exit(64);
}

uint64_t ParseUint(const char* text, const char* flag) {
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(text, text + std::strlen(text), v);
  if (ec != std::errc() || *ptr != '\0') Usage((std::string("bad value for ") + flag).c_str());
  return v;
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (flag == "--live") {
      o.live = true;
      continue;
    }
    if (flag == "--group-sync") {
      o.group_sync = true;
      continue;
    }
    if (i + 1 >= argc) Usage("missing value");
    const char* v = argv[++i];
    std::string_view value = v;
    if (flag == "--mode") {
      if (value == "produce")
        o.mode = Mode::kProduce;
      else if (value == "reference")
        o.mode = Mode::kReference;
      else if (value == "ofs")
        o.mode = Mode::kOfs;
      else
        Usage("unknown mode");
    } else if (flag == "--bootstrap") {
      o.bootstrap = v;
    } else if (flag == "--topic") {
      o.topic = v;
    } else if (flag == "--group") {
      o.group = v;
    } else if (flag == "--records") {
      o.records = std::max<uint64_t>(1, ParseUint(v, "--records"));
    } else if (flag == "--entities") {
      o.shape.entities = std::max<uint64_t>(1, ParseUint(v, "--entities"));
    } else if (flag == "--features") {
      o.shape.features = std::clamp<uint64_t>(ParseUint(v, "--features"), 1, 10000);
    } else if (flag == "--seed") {
      o.shape.seed = ParseUint(v, "--seed");
    } else if (flag == "--partitions") {
      o.partitions = static_cast<int>(std::clamp<uint64_t>(ParseUint(v, "--partitions"), 1, 1000));
    } else if (flag == "--max-batch") {
      o.max_batch = std::max<uint64_t>(1, ParseUint(v, "--max-batch"));
    } else if (flag == "--linger-ms") {
      o.linger_ms = static_cast<int64_t>(ParseUint(v, "--linger-ms"));
    } else if (flag == "--work-dir") {
      o.work_dir = v;
    } else if (flag == "--verify") {
      o.verify = ParseUint(v, "--verify");
    } else if (flag == "--watch-pid") {
      o.watch_pid = static_cast<int>(ParseUint(v, "--watch-pid"));
    } else if (flag == "--rdkafka") {
      o.rdkafka = v;
    } else if (flag == "--log-level") {
      o.log_level = v;
    } else if (flag == "--timeout") {
      o.timeout_s = static_cast<double>(ParseUint(v, "--timeout"));
    } else {
      Usage((std::string("unknown flag ") + std::string(flag)).c_str());
    }
  }
  if (o.bootstrap.empty()) Usage("--bootstrap is required");
  if (o.mode == Mode::kOfs && o.work_dir.empty()) Usage("--mode ofs needs --work-dir");
  if (o.group.empty()) {
    o.group = "s5-" + o.topic + (o.mode == Mode::kOfs ? "-ofs-" : "-ref-") + std::to_string(::getpid()) +
              "-" + std::to_string(MonoNanos() % 1'000'000'000);
  }
  return o;
}

std::string JsonEscape(std::string_view s) {
  std::string out;
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out.push_back('\\');
    out.push_back(static_cast<unsigned char>(ch) < 0x20 ? ' ' : ch);
  }
  return out;
}

int PrintError(std::string_view mode, const std::string& why) {
  std::printf("{\"ok\":false,\"mode\":\"%.*s\",\"error\":\"%s\"}\n", static_cast<int>(mode.size()),
              mode.data(), JsonEscape(why).c_str());
  std::fflush(stdout);
  return 2;
}

// CPU seconds (user + system) of this process.
double SelfCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6;
}

// utime + stime of another process in seconds; -1 when it cannot be read (as ofs_loadgen's --watch-pids).
double ProcessCpuSeconds(int pid) {
  if (pid <= 0) return -1;
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE* f = std::fopen(path, "r");
  if (f == nullptr) return -1;
  char buf[1024];
  const size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = '\0';
  const char* p = std::strrchr(buf, ')');
  if (p == nullptr) return -1;
  unsigned long long utime = 0, stime = 0;
  if (std::sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
    return -1;
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// CPU use of this process and of --watch-pid over a window.
class CpuWindow {
 public:
  explicit CpuWindow(int watch_pid) : watch_pid_(watch_pid) {}
  void Start() {
    self_ = SelfCpuSeconds();
    watched_ = ProcessCpuSeconds(watch_pid_);
  }
  void Stop() {
    self_ = SelfCpuSeconds() - self_;
    const double now = ProcessCpuSeconds(watch_pid_);
    watched_ = now < 0 || watched_ < 0 ? -1 : now - watched_;
  }
  // ,"cpu_s":X,"watched_cpu_s":Y
  std::string Json() const {
    char buf[128];
    std::snprintf(buf, sizeof buf, ",\"cpu_s\":%.3f,\"watched_cpu_s\":%.3f", self_, watched_);
    return buf;
  }

 private:
  int watch_pid_;
  double self_ = 0;
  double watched_ = -1;
};

// ----------------------------------------------------------------------------------------------
// the records
// ----------------------------------------------------------------------------------------------

// Pre-formatted rows: slot s holds the JSON of the features (`,"f0":v0,...}`) and each value's token, so
// that a record is `{"id":K` + a slot, and a verification knows what each column should hold.
class RecordPool {
 public:
  explicit RecordPool(const DatasetShape& shape) : shape_(shape) {
    Rng rng(shape.seed ^ 0x55aa);
    const size_t slots = 16384;
    tails_.reserve(slots);
    tokens_.reserve(slots * shape.features);
    std::string token;
    for (size_t s = 0; s < slots; ++s) {
      std::string tail;
      for (size_t c = 0; c < shape.features; ++c) {
        token.clear();
        AppendFeatureValue(FeatureType(c), rng, &token);
        tail += ",\"" + FeatureName(c) + "\":" + token;
        tokens_.push_back(token);
      }
      tail.push_back('}');
      tails_.push_back(std::move(tail));
    }
  }
  size_t SlotOf(uint64_t key) const { return SplitMix64(key ^ shape_.seed) % tails_.size(); }
  // The record value of `key`.
  void Value(uint64_t key, std::string* out) const {
    out->assign("{\"id\":");
    char buf[24];
    out->append(buf, static_cast<size_t>(std::to_chars(buf, buf + sizeof buf, key).ptr - buf));
    out->append(tails_[SlotOf(key)]);
  }
  // The JSON token of column c of `key`'s row.
  std::string_view Token(uint64_t key, size_t column) const {
    return tokens_[SlotOf(key) * shape_.features + column];
  }

 private:
  DatasetShape shape_;
  std::vector<std::string> tails_;
  std::vector<std::string> tokens_;
};

kafka::KafkaOptions KafkaOptionsOf(const Options& o) {
  kafka::KafkaOptions options;
  options.bootstrap = o.bootstrap;
  options.client_id = "ofs-bench";
  options.consumer_group = o.group;
  options.topic_partitions = o.partitions;
  // --rdkafka NAME=VALUE,...: more librdkafka properties (a diagnostic: OFS's own clients set none of these).
  for (std::string_view rest = o.rdkafka; !rest.empty();) {
    const size_t comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    const size_t eq = item.find('=');
    if (eq != std::string_view::npos)
      options.properties.emplace_back(std::string(item.substr(0, eq)), std::string(item.substr(eq + 1)));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  // librdkafka's own debug contexts (e.g. cgrp,fetch), to stderr: for looking into a run, never measured.
  if (const char* debug = std::getenv("OFS_BENCH_RDKAFKA_DEBUG"); debug != nullptr && *debug != '\0')
    options.properties.emplace_back("debug", debug);
  return options;
}

// ----------------------------------------------------------------------------------------------
// produce
// ----------------------------------------------------------------------------------------------

struct DeliveryCounts {
  std::atomic<uint64_t> acked{0};
  std::atomic<uint64_t> failed{0};
  std::atomic<int64_t> last_ack_ns{0};
  std::string first_error;  // the poll thread only
};

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto* counts = static_cast<DeliveryCounts*>(opaque);
  if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    counts->acked.fetch_add(1, std::memory_order_relaxed);
  } else {
    if (counts->failed.fetch_add(1, std::memory_order_relaxed) == 0)
      counts->first_error = rd_kafka_err2str(message->err);
  }
  counts->last_ack_ns.store(MonoNanos(), std::memory_order_relaxed);
}

int RunProduce(const Options& o) {
  const kafka::KafkaOptions options = KafkaOptionsOf(o);
  DeliveryCounts counts;
  auto conf = kafka::MakeConf(options, {
                                           {"enable.idempotence", "true"},
                                           {"acks", "all"},
                                           {"compression.codec", "lz4"},
                                           {"linger.ms", "10"},
                                           {"batch.num.messages", "100000"},
                                           {"batch.size", "1000000"},
                                           {"queue.buffering.max.messages", "1000000"},
                                           {"queue.buffering.max.kbytes", "1048576"},
                                           {"message.timeout.ms", "120000"},
                                       });
  if (!conf.ok()) return PrintError("produce", conf.status().ToString());
  rd_kafka_conf_set_dr_msg_cb(conf->get(), &OnDelivery);
  rd_kafka_conf_set_opaque(conf->get(), &counts);
  auto handle = kafka::MakeHandle(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!handle.ok()) return PrintError("produce", handle.status().ToString());
  rd_kafka_t* rk = handle->get();
  {
    kafka::TopicCreator creator(rk, options);
    if (Status created = creator.Ensure({o.topic}); !created.ok())
      return PrintError("produce", "creating topic " + o.topic + ": " + created.ToString());
  }
  // Metadata of the topic before the clock starts (the first produce would otherwise wait for it).
  {
    rd_kafka_topic_t* topic = rd_kafka_topic_new(rk, o.topic.c_str(), nullptr);
    const rd_kafka_metadata_t* metadata = nullptr;
    for (int attempt = 0; attempt < 50; ++attempt) {
      if (rd_kafka_metadata(rk, 0, topic, &metadata, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const bool ready = metadata->topic_cnt == 1 &&
                           metadata->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR &&
                           metadata->topics[0].partition_cnt > 0;
        rd_kafka_metadata_destroy(metadata);
        if (ready) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    rd_kafka_topic_destroy(topic);
  }

  RecordPool pool(o.shape);
  const std::string version = "v1";
  std::string value;
  char key[8];
  CpuWindow cpu(o.watch_pid);
  uint64_t bytes = 0;
  uint64_t queue_full_waits = 0;
  cpu.Start();
  const int64_t first_ns = MonoNanos();
  for (uint64_t i = 0; i < o.records; ++i) {
    const uint64_t k = i % o.shape.entities;
    pool.Value(k, &value);
    EncodeBigint(k, key);
    bytes += value.size();
    for (;;) {
      rd_kafka_headers_t* headers = rd_kafka_headers_new(3);
      rd_kafka_header_add(headers, "sdk-version", -1, "v2", 2);
      rd_kafka_header_add(headers, "feature-group-name", -1, kGroup, -1);
      rd_kafka_header_add(headers, "feature-group-version", -1, version.data(),
                          static_cast<ssize_t>(version.size()));
      const rd_kafka_resp_err_t err =
          rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(o.topic.c_str()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                            RD_KAFKA_V_KEY(key, sizeof key), RD_KAFKA_V_VALUE(value.data(), value.size()),
                            RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      rd_kafka_headers_destroy(headers);
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
        return PrintError("produce", std::string("produce: ") + rd_kafka_err2str(err));
      ++queue_full_waits;
      rd_kafka_poll(rk, 1);  // serves delivery reports, frees queue space
    }
    if ((i & 1023) == 0) rd_kafka_poll(rk, 0);
  }
  const int64_t produced_ns = MonoNanos();
  const rd_kafka_resp_err_t flushed = rd_kafka_flush(rk, static_cast<int>(o.timeout_s * 1000));
  cpu.Stop();
  const int64_t last_ns = counts.last_ack_ns.load();
  if (flushed != RD_KAFKA_RESP_ERR_NO_ERROR)
    return PrintError("produce", std::string("flush: ") + rd_kafka_err2str(flushed));
  if (counts.failed.load() > 0 || counts.acked.load() != o.records) {
    return PrintError("produce", std::to_string(counts.failed.load()) + " records failed (" +
                                     counts.first_error + "), " + std::to_string(counts.acked.load()) +
                                     " acknowledged");
  }
  const double seconds = Seconds(first_ns, last_ns);
  std::printf("{\"ok\":true,\"mode\":\"produce\",\"topic\":\"%s\",\"partitions\":%d,\"records\":%" PRIu64
              ",\"value_bytes\":%" PRIu64
              ",\"seconds\":%.4f,\"records_per_s\":%.1f,\"mb_per_s\":%.2f,"
              "\"produce_calls_s\":%.4f,\"queue_full_waits\":%" PRIu64 ",\"t_first_produce_ns\":%" PRId64
              ",\"t_last_ack_ns\":%" PRId64 "%s}\n",
              JsonEscape(o.topic).c_str(), o.partitions, o.records, bytes, seconds,
              static_cast<double>(o.records) / seconds, static_cast<double>(bytes) / seconds / 1e6,
              Seconds(first_ns, produced_ns), queue_full_waits, first_ns, last_ns, cpu.Json().c_str());
  std::fflush(stdout);
  return 0;
}

// ----------------------------------------------------------------------------------------------
// reference: librdkafka alone
// ----------------------------------------------------------------------------------------------

int RunReference(const Options& o) {
  const kafka::KafkaOptions options = KafkaOptionsOf(o);
  // KafkaConsumer::Open's settings (src/kafka/kafka_consumer.cc), without its rebalance callback.
  auto conf = kafka::MakeConf(options, {
                                           {"group.id", o.group},
                                           {"enable.auto.commit", "false"},
                                           {"enable.auto.offset.store", "false"},
                                           {"auto.offset.reset", "earliest"},
                                           {"partition.assignment.strategy", "cooperative-sticky"},
                                           {"session.timeout.ms", "10000"},
                                           {"heartbeat.interval.ms", "1000"},
                                           {"enable.partition.eof", "false"},
                                           {"topic.metadata.refresh.interval.ms", "5000"},
                                       });
  if (!conf.ok()) return PrintError("reference", conf.status().ToString());
  auto handle = kafka::MakeHandle(RD_KAFKA_CONSUMER, std::move(*conf));
  if (!handle.ok()) return PrintError("reference", handle.status().ToString());
  rd_kafka_t* rk = handle->get();
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* subscription = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(subscription, o.topic.c_str(), RD_KAFKA_PARTITION_UA);
  const int64_t subscribe_ns = MonoNanos();
  rd_kafka_resp_err_t err = rd_kafka_subscribe(rk, subscription);
  rd_kafka_topic_partition_list_destroy(subscription);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return PrintError("reference", std::string("subscribe: ") + rd_kafka_err2str(err));

  CpuWindow cpu(o.watch_pid);
  uint64_t count = 0;
  uint64_t checksum = 0;
  uint64_t bytes = 0;
  uint64_t missing_header = 0;
  int64_t first_ns = 0;
  const int64_t deadline = subscribe_ns + static_cast<int64_t>(o.timeout_s * 1e9);
  // Offsets to commit at the end: the highest seen per partition.
  std::vector<int64_t> next_offset(static_cast<size_t>(o.partitions), -1);
  while (count < o.records) {
    rd_kafka_message_t* message = rd_kafka_consumer_poll(rk, 100);
    if (message == nullptr) {
      if (MonoNanos() > deadline) break;
      continue;
    }
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_message_destroy(message);
      continue;
    }
    if (count == 0) {
      first_ns = MonoNanos();
      cpu.Start();
    }
    // Touch the payload: a checksum of every byte (8 at a time).
    const auto* p = static_cast<const unsigned char*>(message->payload);
    uint64_t h = message->len;
    size_t i = 0;
    for (; i + 8 <= message->len; i += 8) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      h = (h ^ w) * 0x100000001b3ull;
    }
    for (; i < message->len; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
    checksum += h;
    bytes += message->len;
    // The group header: what routes the record.
    rd_kafka_headers_t* headers = nullptr;
    const void* name = nullptr;
    size_t name_size = 0;
    if (rd_kafka_message_headers(message, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        rd_kafka_header_get_last(headers, "feature-group-name", &name, &name_size) !=
            RD_KAFKA_RESP_ERR_NO_ERROR ||
        name_size == 0) {
      ++missing_header;
    } else {
      checksum += static_cast<const unsigned char*>(name)[0];
    }
    if (message->partition >= 0 && static_cast<size_t>(message->partition) < next_offset.size())
      next_offset[static_cast<size_t>(message->partition)] = message->offset + 1;
    ++count;
    rd_kafka_message_destroy(message);
  }
  if (count < o.records) {
    return PrintError("reference", "only " + std::to_string(count) + " of " + std::to_string(o.records) +
                                       " records within the timeout");
  }
  rd_kafka_topic_partition_list_t* offsets = rd_kafka_topic_partition_list_new(o.partitions);
  for (size_t p = 0; p < next_offset.size(); ++p) {
    if (next_offset[p] >= 0)
      rd_kafka_topic_partition_list_add(offsets, o.topic.c_str(), static_cast<int32_t>(p))->offset =
          next_offset[p];
  }
  err = rd_kafka_commit(rk, offsets, 0);
  rd_kafka_topic_partition_list_destroy(offsets);
  const int64_t end_ns = MonoNanos();
  cpu.Stop();
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return PrintError("reference", std::string("commit: ") + rd_kafka_err2str(err));
  rd_kafka_consumer_close(rk);
  const double seconds = Seconds(first_ns, end_ns);
  std::printf("{\"ok\":true,\"mode\":\"reference\",\"topic\":\"%s\",\"group\":\"%s\",\"records\":%" PRIu64
              ",\"value_bytes\":%" PRIu64
              ",\"seconds\":%.4f,\"records_per_s\":%.1f,\"join_s\":%.4f,"
              "\"records_per_s_with_join\":%.1f,\"missing_header\":%" PRIu64 ",\"checksum\":%" PRIu64
              ",\"t_first_record_ns\":%" PRId64 ",\"t_end_ns\":%" PRId64 "%s}\n",
              JsonEscape(o.topic).c_str(), JsonEscape(o.group).c_str(), count, bytes, seconds,
              static_cast<double>(count - 1) / seconds, Seconds(subscribe_ns, first_ns),
              static_cast<double>(count) / Seconds(subscribe_ns, end_ns), missing_header, checksum, first_ns,
              end_ns, cpu.Json().c_str());
  std::fflush(stdout);
  return missing_header == 0 ? 0 : 2;
}

// ----------------------------------------------------------------------------------------------
// OFS: ingest::Consumer over kafka::KafkaConsumer into RocksStore
// ----------------------------------------------------------------------------------------------

// The KafkaConsumer with clocks around it. Subscribe also joins the group before the measurement: it polls
// until the first record arrives (kept, and handed out first by the next Poll) or, --live, until the
// partitions are assigned (then prints {"ready":true} for the harness to start the producer).
class TimedSource final : public ingest::RecordSource {
 public:
  TimedSource(kafka::KafkaConsumer* inner, bool live, double timeout_s, std::function<Status()> before_commit)
      : inner_(inner), live_(live), timeout_s_(timeout_s), before_commit_(std::move(before_commit)) {}

  Status Subscribe(const std::vector<std::string>& topics) override {
    subscribe_ns = MonoNanos();
    OFS_RETURN_IF_ERROR(inner_->Subscribe(topics));
    const int64_t deadline = subscribe_ns + static_cast<int64_t>(timeout_s_ * 1e9);
    while (MonoNanos() < deadline) {
      OFS_RETURN_IF_ERROR(
          inner_->Poll(1, std::chrono::milliseconds(100), std::chrono::milliseconds(0), &stash_));
      if (!stash_.empty() || (live_ && !inner_->Assignment().empty())) {
        joined_ns = MonoNanos();
        if (live_) {
          std::printf("{\"ready\":true,\"assigned\":%zu,\"early_records\":%zu}\n",
                      inner_->Assignment().size(), stash_.size());
          std::fflush(stdout);
        }
        return Status::Ok();
      }
    }
    return Status(ErrorCode::kStoreUnavailable, "no partitions assigned / no record within the timeout");
  }
  Status Poll(size_t max, std::chrono::milliseconds wait, std::chrono::milliseconds linger,
              std::vector<ingest::Record>* out) override {
    const int64_t start = MonoNanos();
    const size_t before = out->size();
    for (ingest::Record& r : stash_) out->push_back(std::move(r));
    stash_.clear();
    Status status = Status::Ok();
    if (out->size() - before < max) status = inner_->Poll(max - (out->size() - before), wait, linger, out);
    const int64_t end = MonoNanos();
    poll_ns += end - start;
    ++polls;
    polled += out->size() - before;
    if (first_record_ns == 0 && out->size() > before) first_record_ns = end;
    return status;
  }
  Status Commit() override {
    if (before_commit_) OFS_RETURN_IF_ERROR(before_commit_());
    const int64_t start = MonoNanos();
    Status status = inner_->Commit();
    last_commit_ns = MonoNanos();
    commit_ns += last_commit_ns - start;
    ++commits;
    return status;
  }
  void Close() override { inner_->Close(); }

  int64_t subscribe_ns = 0, joined_ns = 0, first_record_ns = 0, last_commit_ns = 0;
  int64_t poll_ns = 0, commit_ns = 0;
  uint64_t polls = 0, polled = 0, commits = 0;

 private:
  kafka::KafkaConsumer* inner_;
  bool live_;
  double timeout_s_;
  std::function<Status()> before_commit_;
  std::vector<ingest::Record> stash_;
};

// The store with a clock around its writes (RocksStore completes them inline).
class TimedStore final : public storage::testing::ForwardingStore {
 public:
  TimedStore(storage::OnlineStore* inner, bool group_sync)
      : ForwardingStore(inner), group_sync_(group_sync) {}
  void Write(const storage::WriteRequest& req, storage::Completion done) override {
    const int64_t start = MonoNanos();
    if (group_sync_) {
      storage::WriteRequest applied = req;
      applied.durability = storage::Durability::kApplied;
      ForwardingStore::Write(applied, std::move(done));
    } else {
      ForwardingStore::Write(req, std::move(done));
    }
    write_ns += MonoNanos() - start;
    ++writes;
    rows += req.rows.size();
  }
  // --group-sync: makes every write applied so far durable (one WAL sync); blocks until it is.
  Status Sync() {
    const int64_t start = MonoNanos();
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    Status result;
    SyncWrites(
        [&](Status status) {
          std::lock_guard<std::mutex> lock(mu);
          result = std::move(status);
          done = true;
          cv.notify_all();
        },
        storage::SyncStart::kNow);
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return done; });
    sync_ns += MonoNanos() - start;
    ++syncs;
    return result;
  }
  int64_t write_ns = 0, sync_ns = 0;
  uint64_t writes = 0, rows = 0, syncs = 0;

 private:
  bool group_sync_;
};

// Dead letters: none of --topic's records should be one (counted, acknowledged at once). The consumer also
// reads the `default` topic, where a shared broker may hold other programs' records: counted apart.
class CountingSink final : public ingest::RecordSink {
 public:
  explicit CountingSink(std::string topic) : topic_(std::move(topic)) {}
  void Produce(std::string_view, std::vector<ingest::Record> records,
               ingest::ProduceCompletion done) override {
    for (const ingest::Record& r : records) {
      if (r.topic != topic_) {
        ++foreign;
        continue;
      }
      if (letters++ == 0) {
        auto error = r.Find(ingest::kErrorHeader);
        first = error ? std::string(*error) : "?";
      }
    }
    done(Status::Ok());
  }
  Status Health() override { return Status::Ok(); }
  uint64_t letters = 0;  // of --topic
  uint64_t foreign = 0;  // of other topics
  std::string first;

 private:
  std::string topic_;
};

struct VerifyResult {
  uint64_t sampled = 0, found = 0, mismatches = 0;
  std::string first_mismatch;
};

// Reads `sample` random keys of those written and compares every feature with the value produced.
Result<VerifyResult> Verify(const Options& o, const RecordPool& pool, storage::RocksStore& store,
                            const catalog::GroupEntry& group) {
  VerifyResult result;
  std::vector<uint32_t> column_ids;
  std::vector<const catalog::ResolvedColumn*> columns;
  std::vector<size_t> feature_index;
  for (const auto& column : group.columns) {
    if (!column.is_group_column) continue;
    column_ids.push_back(column.id);
    columns.push_back(&column);
    feature_index.push_back(static_cast<size_t>(std::strtoull(column.name.c_str() + 1, nullptr, 10)));
  }
  const uint64_t keys_written = std::min(o.records, o.shape.entities);
  Rng rng(o.shape.seed ^ 0x7e51f1);
  std::string key_bytes(100 * 8, '\0');
  std::vector<std::string_view> key_views;
  std::vector<uint64_t> keys;
  storage::RowSet rows;
  std::string expected;
  for (uint64_t done = 0; done < o.verify;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(100, o.verify - done));
    keys.clear();
    key_views.clear();
    for (size_t i = 0; i < n; ++i) {
      keys.push_back(rng.Below(keys_written));
      EncodeBigint(keys.back(), key_bytes.data() + i * 8);
      key_views.emplace_back(key_bytes.data() + i * 8, 8);
    }
    storage::ReadRequest request{group.meta.tenant.read, &group.entity->table, key_views, column_ids};
    Status status;
    store.MultiGet(request, &rows, [&](Status s) { status = std::move(s); });
    OFS_RETURN_IF_ERROR(status);
    for (size_t r = 0; r < n; ++r) {
      ++result.sampled;
      if (!rows.found(r)) continue;
      ++result.found;
      for (size_t c = 0; c < columns.size(); ++c) {
        const std::string_view token = pool.Token(keys[r], feature_index[c]);
        codec::JsonScalar scalar = token.front() == '"'
                                       ? codec::JsonScalar::String(token.substr(1, token.size() - 2))
                                   : token == "true"  ? codec::JsonScalar::Bool(true)
                                   : token == "false" ? codec::JsonScalar::Bool(false)
                                                      : codec::JsonScalar::Number(token);
        expected.clear();
        OFS_RETURN_IF_ERROR(codec::AppendValue(columns[c]->type, scalar, &expected));
        const std::optional<std::string_view> cell = rows.cell(r, c);
        if (!cell.has_value() || *cell != expected) {
          if (result.mismatches++ == 0) {
            result.first_mismatch = "key " + std::to_string(keys[r]) + " column " + columns[c]->name +
                                    ": expected " + std::string(token) + (cell ? "" : ", got null");
          }
        }
      }
    }
    done += n;
  }
  return result;
}

int RunOfs(const Options& o) {
  // As `ofs consume` runs (apps/ofs/role_consume.cc: no transparent huge pages for an ingestion process;
  // OFS_BENCH_THP=1 keeps them, to compare).
  const char* keep_thp = std::getenv("OFS_BENCH_THP");
  if (keep_thp == nullptr || std::string_view(keep_thp) != "1") prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
  const std::filesystem::path dir(o.work_dir);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(dir, ec);
  if (ec) return PrintError("ofs", "cannot create " + dir.string() + ": " + ec.message());

  // The catalog and the store, as `ofs standalone` opens them (apps/ofs/application.cc, defaults of
  // apps/ofs/config.h; the row cache as ofs_storage_limit's, the server's being a quarter of the memory).
  metrics::Registry registry;
  auto metadata = catalog::SqliteMetadataStore::Open((dir / "metadata.sqlite").string());
  if (!metadata.ok()) return PrintError("ofs", metadata.status().ToString());
  auto rocks = OpenServerStore(dir);
  if (!rocks.ok()) return PrintError("ofs", rocks.status().ToString());
  std::unique_ptr<storage::RocksStore> store = std::move(rocks).value();
  auto catalog = std::make_unique<catalog::Catalog>(metadata->get());
  api::Authenticator auth;
  {
    api::Endpoint endpoint(&auth, &registry, "admin");
    admin::RegisterAdminRoutes(
        endpoint, admin::AdminDeps{metadata->get(), catalog.get(), store.get(), SystemClock::Default()});
    for (const auto& [path, body] :
         {std::pair{"/v1/entity", SchemaEntityJson()},
          std::pair{"/v1/feature-group", SchemaGroupJson(o.shape.features, o.topic)}}) {
      auto [status, answer] = CallAdmin(endpoint, path, body);
      if (status != 200)
        return PrintError("ofs",
                          std::string("admin POST ") + path + ": " + std::to_string(status) + " " + answer);
    }
  }
  if (Status refreshed = catalog->Refresh(true); !refreshed.ok())
    return PrintError("ofs", refreshed.ToString());
  const catalog::GroupEntry* group = catalog->Current()->FindGroup(kGroup, std::nullopt);
  if (group == nullptr || group->meta.tenant.consume != o.topic)
    return PrintError("ofs", "group bench_fg missing or not consumed from " + o.topic);

  auto kafka = kafka::KafkaConsumer::Open(KafkaOptionsOf(o), &registry);
  if (!kafka.ok()) return PrintError("ofs", kafka.status().ToString());
  TimedStore timed_store(store.get(), o.group_sync);
  TimedSource source(kafka->get(), o.live, o.timeout_s,
                     o.group_sync ? std::function<Status()>([&] { return timed_store.Sync(); }) : nullptr);
  CountingSink dead_letters(o.topic);
  ingest::ConsumerOptions consumer_options;
  consumer_options.max_batch = o.max_batch;
  consumer_options.linger = std::chrono::milliseconds(o.linger_ms);
  consumer_options.dead_letter_topic = "local_default_dlq";
  ingest::Consumer consumer(consumer_options,
                            ingest::ConsumerDeps{catalog.get(), nullptr, &timed_store, &source, &dead_letters,
                                                 &registry, SystemClock::Default()});
  metrics::Counter& written = registry.GetCounter("ofs_ingest_records_total", "", {{"result", "written"}});

  CpuWindow cpu(o.watch_pid);
  bool cpu_started = false;
  uint64_t rounds = 0, empty_rounds = 0, failed_rounds = 0;
  int64_t run_ns = 0;
  int64_t empty_ns = 0;  // rounds that found no record (waiting for the broker)
  std::string first_failure;
  const int64_t deadline = MonoNanos() + static_cast<int64_t>(o.timeout_s * 1e9);
  while (written.value() + dead_letters.letters < o.records && MonoNanos() < deadline) {
    if (!cpu_started && source.joined_ns != 0) {
      cpu.Start();
      cpu_started = true;
    }
    const int64_t start = MonoNanos();
    Result<size_t> handled = consumer.RunOnce();
    const int64_t took = MonoNanos() - start;
    ++rounds;
    if (!handled.ok()) {
      if (failed_rounds++ == 0) first_failure = handled.status().ToString();
      if (failed_rounds > 20) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    if (*handled == 0) {
      ++empty_rounds;
      if (source.joined_ns != 0) empty_ns += took;
      continue;
    }
    // The round that joined the group counts from the join on.
    if (source.joined_ns != 0) run_ns += start + took - std::max(start, source.joined_ns);
  }
  if (cpu_started) cpu.Stop();
  const uint64_t total = written.value() + dead_letters.letters;
  if (total < o.records) {
    return PrintError("ofs", "only " + std::to_string(total) + " of " + std::to_string(o.records) +
                                 " records handled within the timeout" +
                                 (first_failure.empty() ? "" : " (first failure: " + first_failure + ")"));
  }
  source.Close();
  auto verified = Verify(o, RecordPool(o.shape), *store, *group);
  if (!verified.ok()) return PrintError("ofs", "verification: " + verified.status().ToString());

  // Seconds from the first record in hand to the last commit; --live: the producer's start is the harness's.
  const int64_t t0 = o.live ? source.first_record_ns : source.joined_ns;
  const double seconds = Seconds(t0, source.last_commit_ns);
  const double rounds_s = static_cast<double>(run_ns) * 1e-9;
  const double empty_s = static_cast<double>(empty_ns) * 1e-9;
  const double poll_s = static_cast<double>(source.poll_ns) * 1e-9 - empty_s;  // in rounds that had records
  const double write_s = static_cast<double>(timed_store.write_ns) * 1e-9;
  const double commit_s = static_cast<double>(source.commit_ns) * 1e-9;
  const double sync_s = static_cast<double>(timed_store.sync_ns) * 1e-9;
  std::printf(
      "{\"ok\":%s,\"mode\":\"ofs\",\"live\":%s,\"topic\":\"%s\",\"group\":\"%s\",\"records\":%" PRIu64
      ",\"written\":%" PRIu64 ",\"dead_lettered\":%" PRIu64 ",\"foreign_dead_letters\":%" PRIu64
      ",\"seconds\":%.4f,\"rows_per_s\":%.1f,\"join_s\":%.4f,\"rows_per_s_with_join\":%.1f,"
      "\"max_batch\":%zu,\"linger_ms\":%" PRId64 ",\"batches\":%" PRIu64
      ",\"rows_per_batch\":%.1f,"
      "\"store_writes\":%" PRIu64 ",\"rows_per_store_write\":%.1f,\"failed_rounds\":%" PRIu64
      ",\"group_sync\":%s,\"breakdown_s\":{\"rounds\":%.4f,\"poll\":%.4f,\"store_write\":%.4f,"
      "\"group_sync\":%.4f,\"commit\":%.4f,\"decode_and_rest\":%.4f,\"empty_rounds\":%.4f},"
      "\"empty_rounds\":%" PRIu64
      ","
      "\"verify\":{\"sampled\":%" PRIu64 ",\"found\":%" PRIu64 ",\"mismatches\":%" PRIu64
      ",\"first\":\"%s\"},"
      "\"t_first_record_ns\":%" PRId64 ",\"t_last_commit_ns\":%" PRId64 "%s%s}\n",
      verified->found == verified->sampled && verified->mismatches == 0 && dead_letters.letters == 0
          ? "true"
          : "false",
      o.live ? "true" : "false", JsonEscape(o.topic).c_str(), JsonEscape(o.group).c_str(), o.records,
      written.value(), dead_letters.letters, dead_letters.foreign, seconds,
      static_cast<double>(o.records - 1) / seconds, Seconds(source.subscribe_ns, source.joined_ns),
      static_cast<double>(o.records) / Seconds(source.subscribe_ns, source.last_commit_ns), o.max_batch,
      o.linger_ms, source.commits,
      source.commits ? static_cast<double>(source.polled) / static_cast<double>(source.commits) : 0.0,
      timed_store.writes,
      timed_store.writes ? static_cast<double>(timed_store.rows) / static_cast<double>(timed_store.writes)
                         : 0.0,
      failed_rounds, o.group_sync ? "true" : "false", rounds_s, poll_s, write_s, sync_s, commit_s,
      rounds_s - poll_s - write_s - sync_s - commit_s, empty_s, empty_rounds, verified->sampled,
      verified->found, verified->mismatches, JsonEscape(verified->first_mismatch).c_str(),
      source.first_record_ns, source.last_commit_ns, cpu.Json().c_str(),
      dead_letters.letters ? (",\"error\":\"dead letters: " + JsonEscape(dead_letters.first) + "\"").c_str()
      : verified->mismatches || verified->found != verified->sampled
          ? ",\"error\":\"verification failed: rows missing or different\""
          : "");
  std::fflush(stdout);
  const bool ok =
      verified->found == verified->sampled && verified->mismatches == 0 && dead_letters.letters == 0;
  return ok ? 0 : 2;
}

}  // namespace
}  // namespace ofs::bench

int main(int argc, char** argv) {
  using namespace ofs::bench;
  const Options options = ParseOptions(argc, argv);
  ofs::log::SetLevel(options.log_level);
  switch (options.mode) {
    case Mode::kProduce:
      return RunProduce(options);
    case Mode::kReference:
      return RunReference(options);
    case Mode::kOfs:
      return RunOfs(options);
  }
  return 64;
}
