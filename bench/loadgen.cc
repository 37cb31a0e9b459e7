// ofs_loadgen: the HTTP/1.1 load generator of the benchmark harness (bench/README.md).
//
// Why our own: Debian packages `wrk` (closed loop only: its latencies suffer from coordinated omission,
// a stalled server delays the requests that would have measured the stall) but no open-loop generator
// (wrk2 and similar are not packaged), and none that builds request bodies with varying keys cheaply. So
// this one tool drives every HTTP scenario and the wire-limit reference with the same code, bodies and
// connection handling, which is what makes the ratios fair.
//
// One thread, one epoll loop, C keep-alive connections, one request in flight per connection.
// Modes:
//   schema  print the admin request bodies that create the dataset's entities and groups (JSON)
//   load    write the whole dataset (--dataset main|part) through POST /v1/feature-group/write in
//           batches of --batch rows; reports rows/s
//   sweep   read every main key once, in key order, --batch keys per request (warms the server's caches)
//   closed  each connection sends its next request when the previous answer arrives; after --warmup
//           seconds, counts completions for --duration seconds: max throughput
//   open    --rate requests/s in total on a fixed schedule: connection c sends its k-th request at the
//           intended time t0 + (c + k * C) / rate, or as soon as its previous answer arrived when that
//           is later. Latency is measured from the intended time, not the actual send (no coordinated
//           omission), so a stall shows up in the tail for every request scheduled during it.
// Kinds (closed/open): read (1 key), read100 (--keys distinct keys), partition (one big partition),
// write100 (--write-rows upserted rows), write100async (the same body to POST /v1/feature-group/write-async,
// S5), wire (the read body, against the wire-limit server).
//
// Every response status is checked: non-2xx and broken connections are errors, and the run aborts when
// they exceed --max-error-rate (1%). The first response of a run must look like the kind's answer. A
// read whose keys are not all found counts as "not_found"; a write with failed rows as an error.
// --watch-pids P1,P2: the CPU time (utime + stime) each of these processes used during the measurement
// window, read from /proc at its edges (the server's and a remote engine's cost per request).
// Output: one JSON line on stdout. Exit status 0, or 2 when the run failed (the JSON says why).

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "bench/dataset.h"
#include "bench/histogram.h"

namespace ofs::bench {
namespace {

// ----------------------------------------------------------------------------------------------
// options
// ----------------------------------------------------------------------------------------------

enum class Mode { kSchema, kLoad, kSweep, kClosed, kOpen };
enum class Kind {
  kRead,
  kRead100,
  kPartition,
  kWrite100,
  kWrite100Async,
  kWire,
  kLoadMain,
  kLoadPart,
  kSweep
};

struct Options {
  Mode mode = Mode::kClosed;
  Kind kind = Kind::kRead;
  std::string host = "127.0.0.1";
  int port = 8080;
  int connections = 64;
  double duration_s = 10;
  double warmup_s = 1;
  double rate = 0;  // open loop, requests/s in total
  double drain_s = 2;
  double zipf = 0;
  uint64_t batch = 500;       // load / sweep rows per request
  uint64_t keys = 100;        // read100
  uint64_t write_rows = 100;  // write100
  double max_error_rate = 0.01;
  bool spin = false;  // poll without sleeping: keeps the client core out of idle states
  std::string dataset = "main";
  std::vector<int> watch_pids;  // their CPU time over the measurement window
  DatasetShape shape;
};

[[noreturn]] void Usage(const char* why) {
  std::fprintf(
      stderr,
      "ofs_loadgen: %s\n"
      "usage: ofs_loadgen --mode schema|load|sweep|closed|open [--kind read|read100|partition|"
      "write100|write100async|wire]\n"
      "  [--host 127.0.0.1] [--port P] [--connections C] [--duration S] [--warmup S] [--rate R]\n"
      "  [--drain S] [--entities N] [--features F] [--partitions P] [--part-rows R] [--big-every K]\n"
      "  [--seed S] [--zipf S] [--batch N] [--keys N] [--write-rows N] [--dataset main|part]\n"
      "  [--max-error-rate F] [--spin] [--watch-pids P1,P2,...]\n",
      why);
  std::exit(64);
}

double ParseDouble(const char* text, const char* flag) {
  char* end = nullptr;
  double v = std::strtod(text, &end);
  if (end == text || *end != '\0' || !std::isfinite(v) || v < 0) {
    Usage((std::string("bad value for ") + flag).c_str());
  }
  return v;
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
    if (flag == "--help" || flag == "-h") Usage("help");
    if (flag == "--spin") {
      o.spin = true;
      continue;
    }
    if (i + 1 >= argc) Usage("missing value");
    const char* v = argv[++i];
    std::string_view value = v;
    if (flag == "--mode") {
      if (value == "schema")
        o.mode = Mode::kSchema;
      else if (value == "load")
        o.mode = Mode::kLoad;
      else if (value == "sweep")
        o.mode = Mode::kSweep;
      else if (value == "closed")
        o.mode = Mode::kClosed;
      else if (value == "open")
        o.mode = Mode::kOpen;
      else
        Usage("unknown mode");
    } else if (flag == "--kind") {
      if (value == "read")
        o.kind = Kind::kRead;
      else if (value == "read100")
        o.kind = Kind::kRead100;
      else if (value == "partition")
        o.kind = Kind::kPartition;
      else if (value == "write100")
        o.kind = Kind::kWrite100;
      else if (value == "write100async")
        o.kind = Kind::kWrite100Async;
      else if (value == "wire")
        o.kind = Kind::kWire;
      else
        Usage("unknown kind");
    } else if (flag == "--host") {
      o.host = v;
    } else if (flag == "--port") {
      o.port = static_cast<int>(ParseUint(v, "--port"));
    } else if (flag == "--connections") {
      o.connections = static_cast<int>(std::clamp<uint64_t>(ParseUint(v, "--connections"), 1, 10000));
    } else if (flag == "--duration") {
      o.duration_s = ParseDouble(v, "--duration");
    } else if (flag == "--warmup") {
      o.warmup_s = ParseDouble(v, "--warmup");
    } else if (flag == "--rate") {
      o.rate = ParseDouble(v, "--rate");
    } else if (flag == "--drain") {
      o.drain_s = ParseDouble(v, "--drain");
    } else if (flag == "--zipf") {
      o.zipf = ParseDouble(v, "--zipf");
    } else if (flag == "--entities") {
      o.shape.entities = std::max<uint64_t>(1, ParseUint(v, "--entities"));
    } else if (flag == "--features") {
      o.shape.features = std::clamp<uint64_t>(ParseUint(v, "--features"), 1, 10000);
    } else if (flag == "--partitions") {
      o.shape.partitions = ParseUint(v, "--partitions");
    } else if (flag == "--part-rows") {
      o.shape.part_rows = std::max<uint64_t>(1, ParseUint(v, "--part-rows"));
    } else if (flag == "--big-every") {
      o.shape.big_every = std::max<uint64_t>(1, ParseUint(v, "--big-every"));
    } else if (flag == "--seed") {
      o.shape.seed = ParseUint(v, "--seed");
    } else if (flag == "--batch") {
      o.batch = std::max<uint64_t>(1, ParseUint(v, "--batch"));
    } else if (flag == "--keys") {
      o.keys = std::max<uint64_t>(1, ParseUint(v, "--keys"));
    } else if (flag == "--write-rows") {
      o.write_rows = std::max<uint64_t>(1, ParseUint(v, "--write-rows"));
    } else if (flag == "--dataset") {
      if (value != "main" && value != "part") Usage("--dataset is main or part");
      o.dataset = value;
    } else if (flag == "--watch-pids") {
      for (std::string_view rest = value; !rest.empty();) {
        const size_t comma = rest.find(',');
        const std::string pid(rest.substr(0, comma));
        if (!pid.empty()) o.watch_pids.push_back(static_cast<int>(ParseUint(pid.c_str(), "--watch-pids")));
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      }
    } else if (flag == "--max-error-rate") {
      o.max_error_rate = ParseDouble(v, "--max-error-rate");
    } else {
      Usage((std::string("unknown flag ") + std::string(flag)).c_str());
    }
  }
  if (o.mode == Mode::kLoad) o.kind = o.dataset == "part" ? Kind::kLoadPart : Kind::kLoadMain;
  if (o.mode == Mode::kSweep) o.kind = Kind::kSweep;
  if (o.mode == Mode::kOpen && o.rate <= 0) Usage("open mode needs --rate > 0");
  if (o.kind == Kind::kRead100 && o.keys > o.shape.entities) o.keys = o.shape.entities;
  if ((o.kind == Kind::kWrite100 || o.kind == Kind::kWrite100Async) && o.write_rows > o.shape.entities)
    o.write_rows = o.shape.entities;
  return o;
}

int64_t NowNanos() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

void AppendUint(std::string* out, uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  (void)ec;
  out->append(buf, static_cast<size_t>(end - buf));
}

void AppendJsonString(std::string* out, std::string_view s) {  // names here never need escaping
  out->push_back('"');
  out->append(s);
  out->push_back('"');
}

// ----------------------------------------------------------------------------------------------
// schema and request bodies
// ----------------------------------------------------------------------------------------------

std::string FeatureListJson(size_t features) {
  std::string out = "[";
  for (size_t c = 0; c < features; ++c) {
    if (c) out += ',';
    out += "{\"name\":\"" + FeatureName(c) + "\",\"type\":\"" + FeatureType(c) + "\"}";
  }
  return out + "]";
}

// The admin bodies of POST /v1/entity and POST /v1/feature-group for both entities.
std::string SchemaJson(const DatasetShape& shape) {
  const std::string features = FeatureListJson(shape.features);
  std::string out = "{";
  out += std::string("\"entity\":{\"entity\":{\"tableName\":\"") + kEntity + "\",\"primaryKeys\":[\"" +
         kKeyColumn + "\"],\"ttl\":0,\"features\":[{\"name\":\"" + kKeyColumn +
         "\",\"type\":\"BIGINT\"}]},\"owner\":\"bench@example.com\",\"description\":\"benchmark dataset\"},";
  out += std::string("\"group\":{\"featureGroup\":{\"featureGroupName\":\"") + kGroup +
         "\",\"entityName\":\"" + kEntity + "\",\"features\":" + features +
         "},\"owner\":\"bench@example.com\"},";
  out += std::string("\"part_entity\":{\"entity\":{\"tableName\":\"") + kPartEntity +
         "\",\"primaryKeys\":[\"" + kPartKeyColumn + "\",\"" + kClusterColumn +
         "\"],\"ttl\":0,\"features\":[{\"name\":\"" + kPartKeyColumn +
         "\",\"type\":\"BIGINT\"},{\"name\":\"" + kClusterColumn +
         "\",\"type\":\"INT\"}]},\"owner\":\"bench@example.com\",\"description\":\"benchmark partitions\"},";
  out += std::string("\"part_group\":{\"featureGroup\":{\"featureGroupName\":\"") + kPartGroup +
         "\",\"entityName\":\"" + kPartEntity + "\",\"features\":" + features +
         "},\"owner\":\"bench@example.com\"},";
  out += "\"rows\":{\"main\":" + std::to_string(shape.entities) +
         ",\"partitions\":" + std::to_string(shape.Partitions()) +
         ",\"big_partitions\":" + std::to_string(shape.BigPartitions()) +
         ",\"part_rows\":" + std::to_string(shape.PartitionRows()) + "}";
  return out + "}";
}

// Pre-formatted feature values ("," v0 "," v1 ... "]") for a pool of rows: a row's JSON is its key
// followed by one of these, so building a 100-row write costs ~100 short copies.
class ValuePool {
 public:
  ValuePool(const DatasetShape& shape) {
    Rng rng(shape.seed ^ 0x5eed);
    std::string tail;
    const size_t approx_tail = shape.features * 12 + 2;
    const size_t slots = std::clamp<size_t>((16u << 20) / approx_tail, 256, 65536);
    tails_.reserve(slots);
    for (size_t i = 0; i < slots; ++i) {
      tail.clear();
      for (size_t c = 0; c < shape.features; ++c) {
        tail.push_back(',');
        AppendFeatureValue(FeatureType(c), rng, &tail);
      }
      tail.push_back(']');
      tails_.push_back(tail);
    }
  }
  const std::string& Tail(uint64_t slot) const { return tails_[slot % tails_.size()]; }
  size_t size() const { return tails_.size(); }

 private:
  std::vector<std::string> tails_;
};

// Builds request bodies into a reused buffer.
class BodyBuilder {
 public:
  explicit BodyBuilder(const Options& o)
      : o_(o), values_(o.shape), keys_(o.shape.entities, o.zipf), big_(o.shape.BigPartitions(), o.zipf) {
    std::string columns = "[";
    for (size_t c = 0; c < o.shape.features; ++c) {
      if (c) columns += ',';
      AppendJsonString(&columns, FeatureName(c));
    }
    columns += "]";
    read_prefix_ = std::string("{\"featureGroupName\":\"") + kGroup + "\",\"featureColumns\":" + columns +
                   ",\"primaryKeys\":{\"names\":[\"" + kKeyColumn + "\"],\"values\":[";
    partition_prefix_ = std::string("{\"featureGroupName\":\"") + kPartGroup +
                        "\",\"featureColumns\":" + columns + ",\"partitionKey\":{\"names\":[\"" +
                        kPartKeyColumn + "\"],\"values\":[";
    std::string names = "[\"" + std::string(kKeyColumn) + "\"";
    std::string part_names = "[\"" + std::string(kPartKeyColumn) + "\",\"" + kClusterColumn + "\"";
    for (size_t c = 0; c < o.shape.features; ++c) {
      names += ",\"" + FeatureName(c) + "\"";
      part_names += ",\"" + FeatureName(c) + "\"";
    }
    write_prefix_ = std::string("{\"featureGroupName\":\"") + kGroup + "\",\"features\":{\"names\":" + names +
                    "],\"values\":[";
    part_write_prefix_ = std::string("{\"featureGroupName\":\"") + kPartGroup +
                         "\",\"features\":{\"names\":" + part_names + "],\"values\":[";
  }

  static const char* Path(Kind kind) {
    switch (kind) {
      case Kind::kPartition:
        return "/v1/feature-group/partition/read";
      case Kind::kWrite100:
      case Kind::kLoadMain:
      case Kind::kLoadPart:
        return "/v1/feature-group/write";
      case Kind::kWrite100Async:
        return "/v1/feature-group/write-async";
      default:
        return "/v1/feature-group/read";
    }
  }

  // A random request of `kind` (read, read100, partition, write100[async], wire); returns its row count.
  uint64_t Random(Kind kind, std::string* out) {
    out->clear();
    switch (kind) {
      case Kind::kRead:
      case Kind::kWire:
        out->append(read_prefix_);
        out->push_back('[');
        AppendUint(out, keys_.Pick(rng_));
        out->append("]]}}");
        return 1;
      case Kind::kRead100:
        out->append(read_prefix_);
        PickDistinct(o_.keys);
        for (size_t i = 0; i < picked_.size(); ++i) {
          out->append(i ? ",[" : "[");
          AppendUint(out, picked_[i]);
          out->push_back(']');
        }
        out->append("]}}");
        return picked_.size();
      case Kind::kPartition:
        out->append(partition_prefix_);
        AppendUint(out, big_.Pick(rng_) * o_.shape.big_every);
        out->append("]}}");
        return o_.shape.part_rows;
      case Kind::kWrite100:
      case Kind::kWrite100Async:
        out->append(write_prefix_);
        PickDistinct(o_.write_rows);
        for (size_t i = 0; i < picked_.size(); ++i) {
          out->append(i ? ",[" : "[");
          AppendUint(out, picked_[i]);
          out->append(values_.Tail(rng_.Next()));
        }
        out->append("]}}");
        return picked_.size();
      default:
        return 0;
    }
  }

  // Sequential bodies for load and sweep: rows from the cursor on; false when the dataset is exhausted.
  bool Next(Kind kind, std::string* out, uint64_t* rows) {
    out->clear();
    *rows = 0;
    if (kind == Kind::kLoadMain || kind == Kind::kSweep) {
      if (cursor_ >= o_.shape.entities) return false;
      out->append(kind == Kind::kSweep ? read_prefix_ : write_prefix_);
      for (; *rows < o_.batch && cursor_ < o_.shape.entities; ++*rows, ++cursor_) {
        out->append(*rows ? ",[" : "[");
        AppendUint(out, cursor_);
        if (kind == Kind::kSweep) {
          out->push_back(']');
        } else {
          out->append(values_.Tail(SplitMix64(cursor_ ^ o_.shape.seed)));
        }
      }
      out->append("]}}");
      return true;
    }
    // partition dataset: (pid, seq) in order
    if (part_ >= o_.shape.Partitions()) return false;
    out->append(part_write_prefix_);
    while (*rows < o_.batch && part_ < o_.shape.Partitions()) {
      out->append(*rows ? ",[" : "[");
      AppendUint(out, part_);
      out->push_back(',');
      AppendUint(out, seq_);
      out->append(values_.Tail(SplitMix64((part_ << 20) ^ seq_ ^ o_.shape.seed)));
      ++*rows;
      if (++seq_ >= o_.shape.RowsIn(part_)) {
        seq_ = 0;
        ++part_;
      }
    }
    out->append("]}}");
    return true;
  }

  uint64_t TotalRows(Kind kind) const {
    return kind == Kind::kLoadPart ? o_.shape.PartitionRows() : o_.shape.entities;
  }

 private:
  void PickDistinct(uint64_t n) {
    picked_.clear();
    while (picked_.size() < n) {
      const uint64_t key = keys_.Pick(rng_);
      if (std::find(picked_.begin(), picked_.end(), key) == picked_.end()) picked_.push_back(key);
    }
  }

  const Options& o_;
  ValuePool values_;
  KeyPicker keys_;
  KeyPicker big_;
  Rng rng_{o_.shape.seed};
  std::vector<uint64_t> picked_;
  std::string read_prefix_, partition_prefix_, write_prefix_, part_write_prefix_;
  uint64_t cursor_ = 0, part_ = 0, seq_ = 0;
};

// ----------------------------------------------------------------------------------------------
// connections
// ----------------------------------------------------------------------------------------------

struct Conn {
  int fd = -1;
  std::string out;  // request being sent
  size_t out_sent = 0;
  std::string in;  // response bytes received so far
  size_t header_bytes = 0;
  size_t content_length = 0;
  int status = 0;
  bool close_after = false;
  bool busy = false;     // a request is in flight
  int64_t intended = 0;  // open loop: the request's scheduled time; else its send time
  int64_t next_intended = 0;
  uint64_t rows = 0;  // rows of the request in flight
};

struct Response {
  int status;
  std::string_view head;
  std::string_view body;
};

class Client {
 public:
  explicit Client(const Options& o) : o_(o), bodies_(o) {}

  int Run();

 private:
  bool Connect(Conn& c);
  void Close(Conn& c);
  bool Send(Conn& c, int64_t intended, int64_t now);
  // Fills c.out with the next request; false when there is none (load/sweep exhausted).
  bool NextRequest(Conn& c);
  // Reads; returns the number of complete responses handled (0 or 1), -1 on a broken connection.
  int OnReadable(Conn& c, int64_t now);
  void OnResponse(Conn& c, const Response& r, int64_t now);
  void OnBroken(Conn& c, const char* why, int64_t now);
  void Flush(Conn& c);
  void Fail(const std::string& why);
  void PrintResult(int64_t measured_ns);
  bool Measuring(int64_t t) const { return t >= measure_start_ && t < measure_end_; }
  // At the window's edges: the watched processes' CPU seconds (start, then end minus start).
  void SampleWatched(int64_t now);

  const Options& o_;
  BodyBuilder bodies_;
  int epfd_ = -1;
  std::vector<Conn> conns_;
  sockaddr_in addr_{};
  std::string body_;

  int64_t start_ = 0, measure_start_ = 0, measure_end_ = 0;
  bool stop_sending_ = false;
  bool exhausted_ = false;  // load / sweep: no rows left
  std::string failure_;

  // results
  LatencyHistogram latency_;
  uint64_t completed_ = 0;            // responses in the measurement window
  uint64_t completed_all_ = 0;        // every response (error-rate base)
  uint64_t completed_in_window_ = 0;  // responses that arrived inside the window (achieved rate)
  uint64_t rows_ = 0;                 // rows in the measurement window (load/sweep: all)
  uint64_t errors_ = 0;               // non-2xx + broken connections + failed write rows
  uint64_t non2xx_ = 0;
  uint64_t broken_ = 0;
  uint64_t not_found_ = 0;  // reads with a failed key
  uint64_t sent_ = 0;
  uint64_t unfinished_ = 0;      // open loop: still in flight when the drain time ran out
  uint64_t response_bytes_ = 0;  // in the window
  bool validated_ = false;
  int first_status_ = 0;
  size_t first_header_bytes_ = 0, first_body_bytes_ = 0;
  uint64_t first_rows_ = 0;
  std::string first_error_body_;
  int watch_stage_ = 0;              // 0: before the window, 1: in it, 2: after it
  std::vector<double> watched_cpu_;  // per --watch-pids entry; seconds in the window once stage 2
};

// utime + stime of a process in seconds; -1 when it cannot be read.
double ProcessCpuSeconds(int pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE* f = std::fopen(path, "r");
  if (f == nullptr) return -1;
  char buf[1024];
  const size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = '\0';
  const char* p = std::strrchr(buf, ')');  // the command may hold spaces and parentheses
  if (p == nullptr) return -1;
  unsigned long long utime = 0, stime = 0;
  // After ")": state, then fields 4..13 of proc(5); utime and stime are fields 14 and 15.
  if (std::sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
    return -1;
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

void Client::SampleWatched(int64_t now) {
  if (o_.watch_pids.empty() || watch_stage_ >= 2) return;
  if (watch_stage_ == 0 && now >= measure_start_) {
    watched_cpu_.clear();
    for (int pid : o_.watch_pids) watched_cpu_.push_back(ProcessCpuSeconds(pid));
    watch_stage_ = 1;
  }
  if (watch_stage_ == 1 && now >= measure_end_) {
    for (size_t i = 0; i < o_.watch_pids.size(); ++i) {
      const double end = ProcessCpuSeconds(o_.watch_pids[i]);
      watched_cpu_[i] = end < 0 || watched_cpu_[i] < 0 ? -1 : end - watched_cpu_[i];
    }
    watch_stage_ = 2;
  }
}

bool Client::Connect(Conn& c) {
  c.busy = false;
  c.in.clear();
  c.header_bytes = 0;
  c.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (c.fd < 0) return false;
  int one = 1;
  setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(c.fd, reinterpret_cast<const sockaddr*>(&addr_), sizeof addr_) != 0) {
    close(c.fd);
    c.fd = -1;
    return false;
  }
  fcntl(c.fd, F_SETFL, fcntl(c.fd, F_GETFL) | O_NONBLOCK);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = &c;
  epoll_ctl(epfd_, EPOLL_CTL_ADD, c.fd, &ev);
  c.in.reserve(1 << 16);
  return true;
}

void Client::Close(Conn& c) {
  if (c.fd >= 0) {
    epoll_ctl(epfd_, EPOLL_CTL_DEL, c.fd, nullptr);
    close(c.fd);
  }
  c.fd = -1;
  c.busy = false;
}

bool Client::NextRequest(Conn& c) {
  if (o_.mode == Mode::kLoad || o_.mode == Mode::kSweep) {
    if (exhausted_ || !bodies_.Next(o_.kind, &body_, &c.rows)) {
      exhausted_ = true;
      return false;
    }
  } else {
    c.rows = bodies_.Random(o_.kind, &body_);
  }
  c.out.clear();
  c.out.append("POST ");
  c.out.append(BodyBuilder::Path(o_.kind));
  c.out.append(" HTTP/1.1\r\nHost: ");
  c.out.append(o_.host);
  c.out.append("\r\nContent-Type: application/json\r\nContent-Length: ");
  AppendUint(&c.out, body_.size());
  c.out.append("\r\n\r\n");
  c.out.append(body_);
  return true;
}

bool Client::Send(Conn& c, int64_t intended, int64_t now) {
  if (c.fd < 0 && !Connect(c)) {
    ++errors_;
    ++broken_;
    Fail("cannot connect to " + o_.host + ":" + std::to_string(o_.port) + ": " + std::strerror(errno));
    return false;
  }
  if (!NextRequest(c)) return false;
  c.busy = true;
  c.intended = intended ? intended : now;
  c.out_sent = 0;
  c.in.clear();
  c.header_bytes = 0;
  ++sent_;
  Flush(c);
  return true;
}

void Client::Flush(Conn& c) {
  while (c.out_sent < c.out.size()) {
    ssize_t n = send(c.fd, c.out.data() + c.out_sent, c.out.size() - c.out_sent, MSG_NOSIGNAL);
    if (n > 0) {
      c.out_sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLOUT;
      ev.data.ptr = &c;
      epoll_ctl(epfd_, EPOLL_CTL_MOD, c.fd, &ev);
      return;
    }
    OnBroken(c, "send failed", NowNanos());
    return;
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = &c;
  epoll_ctl(epfd_, EPOLL_CTL_MOD, c.fd, &ev);
}

void Client::OnBroken(Conn& c, const char* why, int64_t now) {
  const bool was_busy = c.busy;
  Close(c);
  if (!was_busy) return;  // an idle keep-alive connection closed by the server: reconnect when needed
  ++errors_;
  ++broken_;
  ++completed_all_;
  if (Measuring(now)) ++completed_;
  if (o_.mode == Mode::kLoad) Fail(std::string("connection broken during load: ") + why);
}

int Client::OnReadable(Conn& c, int64_t now) {
  char buf[1 << 16];
  for (;;) {
    ssize_t n = recv(c.fd, buf, sizeof buf, 0);
    if (n > 0) {
      c.in.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) {
      OnBroken(c, "closed by server", now);
      return -1;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    OnBroken(c, std::strerror(errno), now);
    return -1;
  }
  if (!c.busy) {
    if (!c.in.empty()) {
      Fail("unsolicited bytes from the server");
      return -1;
    }
    return 0;
  }
  if (c.header_bytes == 0) {
    size_t end = c.in.find("\r\n\r\n");
    if (end == std::string::npos) return 0;
    c.header_bytes = end + 4;
    std::string_view head(c.in.data(), c.header_bytes);
    if (head.size() < 12 || head.substr(0, 7) != "HTTP/1.") {
      Fail("malformed response head: " + std::string(head.substr(0, 80)));
      return -1;
    }
    c.status = (head[9] - '0') * 100 + (head[10] - '0') * 10 + (head[11] - '0');
    c.content_length = 0;
    c.close_after = false;
    bool has_length = false;
    size_t pos = head.find("\r\n");
    while (pos != std::string_view::npos && pos + 2 < head.size()) {
      size_t line_end = head.find("\r\n", pos + 2);
      if (line_end == std::string_view::npos) break;
      std::string_view line = head.substr(pos + 2, line_end - pos - 2);
      size_t colon = line.find(':');
      if (colon != std::string_view::npos) {
        std::string_view name = line.substr(0, colon);
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        auto iequals = [](std::string_view a, std::string_view b) {
          return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                                    [](char x, char y) { return (x | 0x20) == (y | 0x20); });
        };
        if (iequals(name, "content-length")) {
          std::from_chars(value.data(), value.data() + value.size(), c.content_length);
          has_length = true;
        } else if (iequals(name, "connection") && (value.find("close") != std::string_view::npos)) {
          c.close_after = true;
        } else if (iequals(name, "transfer-encoding")) {
          Fail("chunked responses are not supported by ofs_loadgen");
          return -1;
        }
      }
      pos = line_end;
    }
    if (!has_length) c.content_length = 0;
  }
  if (c.in.size() < c.header_bytes + c.content_length) return 0;
  if (c.in.size() > c.header_bytes + c.content_length) {
    Fail("more bytes than one response (the server answered twice?)");
    return -1;
  }
  Response r{c.status, std::string_view(c.in.data(), c.header_bytes),
             std::string_view(c.in.data() + c.header_bytes, c.content_length)};
  OnResponse(c, r, now);
  c.busy = false;
  c.in.clear();
  c.header_bytes = 0;
  if (c.close_after) Close(c);
  return 1;
}

void Client::OnResponse(Conn& c, const Response& r, int64_t now) {
  ++completed_all_;
  const bool ok = r.status >= 200 && r.status < 300;
  const bool window = o_.mode == Mode::kLoad || o_.mode == Mode::kSweep || Measuring(c.intended);
  if (!ok) {
    ++errors_;
    ++non2xx_;
    if (first_error_body_.empty()) {
      first_error_body_ = std::to_string(r.status) + " " + std::string(r.body.substr(0, 400));
    }
    if (o_.mode == Mode::kLoad) Fail("load request failed: " + first_error_body_);
  } else if (!validated_) {
    validated_ = true;
    first_status_ = r.status;
    first_header_bytes_ = r.head.size();
    first_body_bytes_ = r.body.size();
    const bool is_write =
        o_.kind == Kind::kWrite100 || o_.kind == Kind::kLoadMain || o_.kind == Kind::kLoadPart;
    const char* needed[3] = {nullptr, nullptr, nullptr};
    if (o_.kind == Kind::kWrite100Async) {  // 202 {"data":{"accepted":N,...,"topic":T,"failedRows":[]}}
      needed[0] = "\"accepted\"";
      needed[1] = "\"failedRows\"";
      needed[2] = "\"topic\"";
    } else if (is_write) {
      needed[0] = "\"successfulRows\"";
      needed[1] = "\"failedRows\"";
    } else if (o_.kind == Kind::kPartition) {
      needed[0] = "\"features\"";
    } else {
      needed[0] = "\"successfulKeys\"";
      needed[1] = "\"features\"";
      needed[2] = "\"failedKeys\"";
    }
    for (const char* n : needed) {
      if (n && r.body.find(n) == std::string_view::npos) {
        Fail(std::string("first response lacks ") + n + ": " + std::string(r.body.substr(0, 400)));
        return;
      }
    }
    if (o_.kind == Kind::kPartition) {
      // rows = top-level arrays in "features":[[...],[...]] (values never contain "],[")
      size_t at = r.body.find("\"features\":[");
      if (at == std::string_view::npos) {
        Fail("partition read: no features array: " + std::string(r.body.substr(0, 400)));
        return;
      }
      std::string_view rest = r.body.substr(at + 12);
      if (rest.substr(0, 2) == "[]" || rest.front() == ']') {
        first_rows_ = 0;
      } else {
        first_rows_ = 1;
        for (size_t p = rest.find("],["); p != std::string_view::npos; p = rest.find("],[", p + 3)) {
          ++first_rows_;
        }
      }
      if (first_rows_ == 0) {
        Fail("partition read returned no rows: " + std::string(r.body.substr(0, 400)));
        return;
      }
    } else {
      first_rows_ = c.rows;
    }
  }
  if (ok) {
    // Cheap completeness checks on every response: the tail holds the failure lists.
    std::string_view tail = r.body.substr(r.body.size() > 256 ? r.body.size() - 256 : 0);
    if (o_.kind == Kind::kWrite100 || o_.kind == Kind::kWrite100Async || o_.kind == Kind::kLoadMain ||
        o_.kind == Kind::kLoadPart) {
      if (tail.find("\"failedRows\":[]") == std::string_view::npos) {
        ++errors_;
        if (first_error_body_.empty()) first_error_body_ = "failed rows: " + std::string(tail);
        if (o_.mode == Mode::kLoad) Fail("rows failed during load: " + std::string(tail));
      }
    } else if (o_.kind != Kind::kPartition) {
      if (tail.find("\"failedKeys\":[]") == std::string_view::npos) ++not_found_;
    }
  }
  if (window) {
    ++completed_;
    response_bytes_ += r.head.size() + r.body.size();
    if (ok) rows_ += o_.kind == Kind::kPartition ? first_rows_ : c.rows;
    latency_.Record(static_cast<uint64_t>(std::max<int64_t>(0, now - c.intended)));
  }
  if (completed_all_ >= 200 &&
      static_cast<double>(errors_) > o_.max_error_rate * static_cast<double>(completed_all_)) {
    Fail("error rate above " + std::to_string(o_.max_error_rate * 100) + "%: " + std::to_string(errors_) +
         " of " + std::to_string(completed_all_) + " (first: " + first_error_body_ + ")");
  }
}

void Client::Fail(const std::string& why) {
  if (failure_.empty()) failure_ = why;
  stop_sending_ = true;
}

std::string JsonEscape(std::string_view s) {
  std::string out;
  for (char ch : s) {
    auto u = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out.append(buf);
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

const char* KindName(Kind k) {
  switch (k) {
    case Kind::kRead:
      return "read";
    case Kind::kRead100:
      return "read100";
    case Kind::kPartition:
      return "partition";
    case Kind::kWrite100:
      return "write100";
    case Kind::kWrite100Async:
      return "write100async";
    case Kind::kWire:
      return "wire";
    case Kind::kLoadMain:
      return "load-main";
    case Kind::kLoadPart:
      return "load-part";
    case Kind::kSweep:
      return "sweep";
  }
  return "?";
}

const char* ModeName(Mode m) {
  switch (m) {
    case Mode::kSchema:
      return "schema";
    case Mode::kLoad:
      return "load";
    case Mode::kSweep:
      return "sweep";
    case Mode::kClosed:
      return "closed";
    case Mode::kOpen:
      return "open";
  }
  return "?";
}

void Client::PrintResult(int64_t measured_ns) {
  const double seconds = static_cast<double>(measured_ns) / 1e9;
  const double rps = seconds > 0 ? static_cast<double>(completed_) / seconds : 0;
  const double rows_ps = seconds > 0 ? static_cast<double>(rows_) / seconds : 0;
  auto us = [](uint64_t ns) { return static_cast<double>(ns) / 1000.0; };
  std::string out;
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "{\"ok\":%s,\"mode\":\"%s\",\"kind\":\"%s\",\"connections\":%d,\"seconds\":%.3f,"
                "\"requests\":%" PRIu64 ",\"rows\":%" PRIu64 ",\"rps\":%.1f,\"rows_per_s\":%.1f,",
                failure_.empty() ? "true" : "false", ModeName(o_.mode), KindName(o_.kind), o_.connections,
                seconds, completed_, rows_, rps, rows_ps);
  out += buf;
  std::snprintf(buf, sizeof buf,
                "\"sent\":%" PRIu64 ",\"errors\":%" PRIu64 ",\"non2xx\":%" PRIu64 ",\"broken\":%" PRIu64
                ",\"not_found\":%" PRIu64 ",\"unfinished\":%" PRIu64
                ",\"target_rps\":%.1f,\"achieved_rps\":%.1f,",
                sent_, errors_, non2xx_, broken_, not_found_, unfinished_, o_.rate,
                seconds > 0 ? static_cast<double>(completed_in_window_) / seconds : 0.0);
  out += buf;
  std::snprintf(buf, sizeof buf,
                "\"latency_us\":{\"p50\":%.1f,\"p90\":%.1f,\"p99\":%.1f,\"p999\":%.1f,\"max\":%.1f,"
                "\"mean\":%.1f,\"count\":%" PRIu64 "},",
                us(latency_.Percentile(0.50)), us(latency_.Percentile(0.90)), us(latency_.Percentile(0.99)),
                us(latency_.Percentile(0.999)), us(latency_.max()), latency_.mean() / 1000.0,
                latency_.count());
  out += buf;
  std::snprintf(buf, sizeof buf,
                "\"response_bytes_avg\":%.1f,\"first_response\":{\"status\":%d,\"header_bytes\":%zu,"
                "\"body_bytes\":%zu,\"rows\":%" PRIu64 "}",
                completed_ ? static_cast<double>(response_bytes_) / static_cast<double>(completed_) : 0.0,
                first_status_, first_header_bytes_, first_body_bytes_, first_rows_);
  out += buf;
  if (!o_.watch_pids.empty()) {
    out += ",\"watched_cpu_s\":{";
    for (size_t i = 0; i < o_.watch_pids.size(); ++i) {
      const double cpu = watch_stage_ == 2 ? watched_cpu_[i] : -1;
      std::snprintf(buf, sizeof buf, "%s\"%d\":%.3f", i ? "," : "", o_.watch_pids[i], cpu);
      out += buf;
    }
    out += "}";
  }
  if (!failure_.empty()) out += ",\"error\":\"" + JsonEscape(failure_) + "\"";
  out += "}\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
}

int Client::Run() {
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);  // wake-ups within ~1 µs of the intended send time
  addr_.sin_family = AF_INET;
  addr_.sin_port = htons(static_cast<uint16_t>(o_.port));
  if (inet_pton(AF_INET, o_.host.c_str(), &addr_.sin_addr) != 1) {
    Fail("--host must be an IPv4 address");
    PrintResult(0);
    return 2;
  }
  epfd_ = epoll_create1(EPOLL_CLOEXEC);
  int connections = o_.connections;
  if (o_.mode == Mode::kLoad || o_.mode == Mode::kSweep) {
    const uint64_t requests = (bodies_.TotalRows(o_.kind) + o_.batch - 1) / o_.batch;
    connections = static_cast<int>(std::min<uint64_t>(static_cast<uint64_t>(connections), requests));
  }
  conns_.resize(static_cast<size_t>(std::max(connections, 1)));
  for (auto& c : conns_) {
    if (!Connect(c)) {
      Fail("cannot connect to " + o_.host + ":" + std::to_string(o_.port) + ": " + std::strerror(errno));
      PrintResult(0);
      return 2;
    }
  }

  const bool timed = o_.mode == Mode::kClosed || o_.mode == Mode::kOpen;
  start_ = NowNanos();
  measure_start_ = timed ? start_ + static_cast<int64_t>(o_.warmup_s * 1e9) : start_;
  measure_end_ = timed ? measure_start_ + static_cast<int64_t>(o_.duration_s * 1e9) : INT64_MAX;
  const int64_t drain_deadline = timed ? measure_end_ + static_cast<int64_t>(o_.drain_s * 1e9) : INT64_MAX;
  const double interval_ns = o_.mode == Mode::kOpen ? 1e9 * static_cast<double>(conns_.size()) / o_.rate : 0;
  if (o_.mode == Mode::kOpen) {
    for (size_t i = 0; i < conns_.size(); ++i) {
      conns_[i].next_intended = start_ + static_cast<int64_t>(1e9 * static_cast<double>(i) / o_.rate);
    }
  } else {
    for (auto& c : conns_) {
      if (!Send(c, 0, start_)) break;
    }
  }

  std::vector<epoll_event> events(conns_.size() + 1);
  const bool open = o_.mode == Mode::kOpen;
  for (;;) {
    int64_t now = NowNanos();
    if (timed) SampleWatched(now);
    // Closed loop: no new request after the window. Open loop: every slot scheduled inside the window
    // is still sent, however late (until the drain deadline), so that lateness is measured.
    if (timed && !open && now >= measure_end_) stop_sending_ = true;
    bool pending = false;  // a request in flight, or an open-loop slot not sent yet
    int64_t next_due = INT64_MAX;
    for (auto& c : conns_) {
      if (c.busy) {
        pending = true;
        continue;
      }
      if (!open || stop_sending_ || c.next_intended >= measure_end_) continue;
      pending = true;
      if (c.next_intended <= now) {
        const int64_t intended = c.next_intended;
        c.next_intended = intended + static_cast<int64_t>(interval_ns);
        Send(c, intended, now);
      } else {
        next_due = std::min(next_due, c.next_intended);
      }
    }
    if (!pending || now >= drain_deadline) break;
    int64_t wait_until = std::min(next_due, drain_deadline);
    if (timed && !open && !stop_sending_) wait_until = std::min(wait_until, measure_end_);
    timespec timeout{0, 0};
    if (wait_until > now && !o_.spin) {
      const int64_t wait = std::min<int64_t>(wait_until - now, 100'000'000);
      timeout.tv_sec = wait / 1'000'000'000;
      timeout.tv_nsec = wait % 1'000'000'000;
    }
    int n = epoll_pwait2(epfd_, events.data(), static_cast<int>(events.size()), &timeout, nullptr);
    if (n < 0 && errno != EINTR) {
      Fail(std::string("epoll_pwait2: ") + std::strerror(errno));
      break;
    }
    now = NowNanos();
    for (int i = 0; i < n; ++i) {
      Conn& c = *static_cast<Conn*>(events[static_cast<size_t>(i)].data.ptr);
      if (c.fd < 0) continue;
      if (events[static_cast<size_t>(i)].events & EPOLLOUT) Flush(c);
      if (c.fd < 0) continue;
      if (events[static_cast<size_t>(i)].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
        int done = OnReadable(c, now);
        if (done == 1 && now >= measure_start_ && now < measure_end_) ++completed_in_window_;
        const bool closed_loop_sends = !open && !stop_sending_ && !(timed && now >= measure_end_);
        if (done != 0 && closed_loop_sends) Send(c, 0, now);  // next request, or replace a broken connection
      }
    }
  }
  const int64_t end = NowNanos();
  for (auto& c : conns_) {
    if (c.busy) {  // still in flight at the drain deadline: its latency is at least this
      ++unfinished_;
      if (Measuring(c.intended))
        latency_.Record(static_cast<uint64_t>(std::max<int64_t>(0, end - c.intended)));
    }
    if (open && !stop_sending_) {  // slots of the window never sent: as late as the deadline, at least
      for (int64_t t = c.next_intended; t < measure_end_; t += static_cast<int64_t>(interval_ns)) {
        ++unfinished_;
        if (t >= measure_start_) latency_.Record(static_cast<uint64_t>(std::max<int64_t>(0, end - t)));
      }
    }
    Close(c);
  }
  close(epfd_);

  int64_t measured = timed ? measure_end_ - measure_start_ : end - start_;
  if (!failure_.empty() || (o_.mode == Mode::kLoad && errors_ > 0)) {
    if (failure_.empty()) failure_ = "errors during load: " + first_error_body_;
    PrintResult(measured);
    return 2;
  }
  if (completed_all_ == 0) {
    Fail("no response at all");
    PrintResult(measured);
    return 2;
  }
  PrintResult(measured);
  return 0;
}

}  // namespace
}  // namespace ofs::bench

int main(int argc, char** argv) {
  using namespace ofs::bench;
  Options options = ParseOptions(argc, argv);
  if (options.mode == Mode::kSchema) {
    std::string schema = SchemaJson(options.shape) + "\n";
    std::fwrite(schema.data(), 1, schema.size(), stdout);
    return 0;
  }
  Client client(options);
  return client.Run();
}
