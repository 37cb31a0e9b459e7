#include "metrics/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace ofs::metrics {
namespace {

enum Kind : int { kCounter, kGauge, kHistogram };

constexpr std::string_view kKindNames[] = {"counter", "gauge", "histogram"};

// Histogram sums are kept in integer nanounits; observations are clamped to what int64 nanos can hold.
constexpr double kNanosPerUnit = 1e9;
constexpr double kMaxSumNanos = 9e18;
// Doubles below 2^53 in magnitude that are whole numbers print exactly as integers.
constexpr double kMaxExactInteger = 9007199254740992.0;

template <typename T>
void AppendNumber(T value, std::string* out) {
  char buf[32];
  out->append(buf, std::to_chars(buf, buf + sizeof(buf), value).ptr);
}

// A sample value or bound as the text format spells it: NaN, +Inf, -Inf, whole numbers in plain digits
// (200000 rather than 2e+05), others in the shortest round-trip form.
void AppendFloat(double value, std::string* out) {
  if (std::isnan(value)) {
    out->append("NaN");
  } else if (std::isinf(value)) {
    out->append(value > 0 ? "+Inf" : "-Inf");
  } else if (value == std::trunc(value) && std::abs(value) < kMaxExactInteger) {
    AppendNumber(static_cast<int64_t>(value), out);
  } else {
    AppendNumber(value, out);
  }
}

// HELP text escapes backslash and newline; label values also escape the double quote.
void AppendEscaped(std::string_view text, bool escape_quote, std::string* out) {
  for (char c : text) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '\n') {
      out->append("\\n");
    } else if (c == '"' && escape_quote) {
      out->append("\\\"");
    } else {
      out->push_back(c);
    }
  }
}

// `name{k="v",...,le="bound"}` ; braces are left out when there is no label at all.
void AppendSeries(std::string_view name, std::string_view suffix, const Labels& labels, std::string_view le,
                  std::string* out) {
  out->append(name).append(suffix);
  if (labels.empty() && le.empty()) return;
  out->push_back('{');
  for (const auto& [key, value] : labels) {
    out->append(key).append("=\"");
    AppendEscaped(value, /*escape_quote=*/true, out);
    out->append("\",");
  }
  if (!le.empty()) out->append("le=\"").append(le).append("\",");
  out->back() = '}';
}

template <typename T>
void AppendSample(std::string_view name, const Labels& labels, T value, std::string* out) {
  AppendSeries(name, "", labels, "", out);
  out->push_back(' ');
  AppendNumber(value, out);
  out->push_back('\n');
}

void AppendFloatSample(std::string_view name, std::string_view suffix, const Labels& labels, double value,
                       std::string* out) {
  AppendSeries(name, suffix, labels, "", out);
  out->push_back(' ');
  AppendFloat(value, out);
  out->push_back('\n');
}

void AppendHistogram(std::string_view name, const Labels& labels, const Histogram& histogram,
                     std::string* out) {
  std::vector<uint64_t> buckets;
  double sum = 0;
  uint64_t count = 0;
  histogram.Read(&buckets, &sum, &count);
  // _count is the +Inf bucket so that a scrape racing with Observe() stays self-consistent.
  uint64_t cumulative = 0;
  std::string le;
  for (size_t i = 0; i < buckets.size(); ++i) {
    cumulative += buckets[i];
    le.clear();
    AppendFloat(
        i < histogram.bounds().size() ? histogram.bounds()[i] : std::numeric_limits<double>::infinity(), &le);
    AppendSeries(name, "_bucket", labels, le, out);
    out->push_back(' ');
    AppendNumber(cumulative, out);
    out->push_back('\n');
  }
  AppendFloatSample(name, "_sum", labels, sum, out);
  AppendSeries(name, "_count", labels, "", out);
  out->push_back(' ');
  AppendNumber(cumulative, out);
  out->push_back('\n');
}

template <typename Metric, typename... Args>
Metric& GetOrCreate(std::map<Labels, std::unique_ptr<Metric>>* metrics, const Labels& labels,
                    Args&&... args) {
  auto& slot = (*metrics)[labels];
  if (!slot) slot = std::make_unique<Metric>(std::forward<Args>(args)...);
  return *slot;
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds) : bounds_(std::move(upper_bounds)) {
  std::erase_if(bounds_, [](double b) { return !std::isfinite(b); });  // +Inf is always the last bucket
  std::sort(bounds_.begin(), bounds_.end());
  bounds_.erase(std::unique(bounds_.begin(), bounds_.end()), bounds_.end());
  counts_ = std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1);
}

void Histogram::Observe(double value) {
  if (std::isnan(value)) return;
  const size_t bucket = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  const double nanos = std::clamp(value * kNanosPerUnit, -kMaxSumNanos, kMaxSumNanos);
  // Negative observations wrap the unsigned sum downwards; Read() converts back to signed.
  sum_nanos_.fetch_add(static_cast<uint64_t>(std::llround(nanos)), std::memory_order_relaxed);
}

void Histogram::Read(std::vector<uint64_t>* buckets, double* sum, uint64_t* count) const {
  buckets->resize(bounds_.size() + 1);
  for (size_t i = 0; i < buckets->size(); ++i) (*buckets)[i] = counts_[i].load(std::memory_order_relaxed);
  *sum =
      static_cast<double>(static_cast<int64_t>(sum_nanos_.load(std::memory_order_relaxed))) / kNanosPerUnit;
  *count = count_.load(std::memory_order_relaxed);
}

std::vector<double> LatencyBuckets() {
  return {25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3,
          25e-3, 50e-3, 100e-3, 250e-3, 500e-3, 1,    2.5,    5,    10};
}

// Metrics of another kind than the family's (a registration bug) are kept alive for their callers but
// never rendered.
struct Registry::Family {
  std::string help;
  int kind;
  std::map<Labels, std::unique_ptr<Counter>> counters;
  std::map<Labels, std::unique_ptr<Gauge>> gauges;
  std::map<Labels, std::unique_ptr<Histogram>> histograms;
  std::map<Labels, std::function<double()>> callbacks;
};

namespace {
std::atomic<uint64_t> next_registry_id{1};
}  // namespace

Registry::Registry() : instance_id_(next_registry_id.fetch_add(1, std::memory_order_relaxed)) {}
Registry::~Registry() = default;

Registry::Family& Registry::FamilyFor(std::string_view name, std::string_view help, int kind) {
  auto it = families_.find(name);
  if (it == families_.end()) {
    it =
        families_.emplace(std::string(name), std::make_unique<Family>(Family{std::string(help), kind})).first;
  }
  return *it->second;
}

Counter& Registry::GetCounter(std::string_view name, std::string_view help, const Labels& labels) {
  std::lock_guard lock(mu_);
  return GetOrCreate(&FamilyFor(name, help, kCounter).counters, labels);
}

Gauge& Registry::GetGauge(std::string_view name, std::string_view help, const Labels& labels) {
  std::lock_guard lock(mu_);
  return GetOrCreate(&FamilyFor(name, help, kGauge).gauges, labels);
}

Histogram& Registry::GetHistogram(std::string_view name, std::string_view help, const Labels& labels,
                                  std::vector<double> bounds) {
  std::lock_guard lock(mu_);
  return GetOrCreate(&FamilyFor(name, help, kHistogram).histograms, labels, std::move(bounds));
}

void Registry::AddCallbackGauge(std::string_view name, std::string_view help, const Labels& labels,
                                std::function<double()> read) {
  std::lock_guard lock(mu_);
  FamilyFor(name, help, kGauge).callbacks[labels] = std::move(read);
}

void Registry::AddCallbackCounter(std::string_view name, std::string_view help, const Labels& labels,
                                  std::function<double()> read) {
  std::lock_guard lock(mu_);
  FamilyFor(name, help, kCounter).callbacks[labels] = std::move(read);
}

void Registry::Render(std::string* out) const {
  std::lock_guard lock(mu_);
  for (const auto& [name, family] : families_) {
    out->append("# HELP ").append(name).push_back(' ');
    AppendEscaped(family->help, /*escape_quote=*/false, out);
    out->append("\n# TYPE ").append(name).push_back(' ');
    out->append(kKindNames[family->kind]).push_back('\n');
    switch (family->kind) {
      case kCounter:
        for (const auto& [labels, counter] : family->counters)
          AppendSample(name, labels, counter->value(), out);
        for (const auto& [labels, read] : family->callbacks) AppendFloatSample(name, "", labels, read(), out);
        break;
      case kGauge:
        for (const auto& [labels, gauge] : family->gauges) AppendSample(name, labels, gauge->value(), out);
        for (const auto& [labels, read] : family->callbacks) AppendFloatSample(name, "", labels, read(), out);
        break;
      case kHistogram:
        for (const auto& [labels, histogram] : family->histograms)
          AppendHistogram(name, labels, *histogram, out);
        break;
    }
  }
}

}  // namespace ofs::metrics
