#pragma once
// Prometheus metrics: counters, gauges and histograms with fixed label sets, rendered in the text
// exposition format 0.0.4. Registration (startup or first use of a label set) takes a lock; updating a
// metric is a relaxed atomic add, safe from any thread, and never allocates.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ofs::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void Inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void Set(int64_t v) { value_.store(v, std::memory_order_relaxed); }
  void Add(int64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

// Cumulative histogram over fixed upper bounds (seconds for latencies).
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void Observe(double value);
  void ObserveNanos(int64_t nanos) { Observe(static_cast<double>(nanos) * 1e-9); }
  const std::vector<double>& bounds() const { return bounds_; }
  // Snapshot: per-bucket (non-cumulative) counts, the +Inf bucket last; sum; count.
  void Read(std::vector<uint64_t>* buckets, double* sum, uint64_t* count) const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // bounds_.size() + 1
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_nanos_{0};  // sum in 1e-9 units
};

// Latency buckets from 25 µs to 10 s.
std::vector<double> LatencyBuckets();

class Registry {
 public:
  // Out of line: Family is defined in metrics.cc.
  Registry();
  ~Registry();
  // Distinct for every registry the process creates (addresses are reused): callers that cache
  // metric references per registry key them on this.
  uint64_t instance_id() const { return instance_id_; }

  // Returns the metric of (name, labels), creating it on first use. The reference is stable for the
  // registry's lifetime. A name keeps the kind and help of its first registration.
  Counter& GetCounter(std::string_view name, std::string_view help, const Labels& labels = {});
  Gauge& GetGauge(std::string_view name, std::string_view help, const Labels& labels = {});
  Histogram& GetHistogram(std::string_view name, std::string_view help, const Labels& labels = {},
                          std::vector<double> bounds = LatencyBuckets());
  // A gauge computed at render time (open connections, snapshot age...).
  void AddCallbackGauge(std::string_view name, std::string_view help, const Labels& labels,
                        std::function<double()> read);
  // A counter kept elsewhere (a component's own monotonic statistic), read at render time.
  void AddCallbackCounter(std::string_view name, std::string_view help, const Labels& labels,
                          std::function<double()> read);

  // Appends the text exposition of every metric, families sorted by name.
  void Render(std::string* out) const;

 private:
  const uint64_t instance_id_;
  struct Family;
  Family& FamilyFor(std::string_view name, std::string_view help, int kind);
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Family>, std::less<>> families_;
};

}  // namespace ofs::metrics
