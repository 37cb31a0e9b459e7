#include "metrics/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>

namespace ofs::metrics {
namespace {

std::string Rendered(const Registry& registry) {
  std::string text;
  registry.Render(&text);
  return text;
}

TEST(Registry, RendersTextFormatExactly) {
  Registry registry;
  registry
      .GetCounter("b_total", "Requests\nwith \\ and \"quotes\"", {{"path", "a\"b\\c\nd"}, {"code", "200"}})
      .Inc(3);
  registry.GetCounter("b_total", "ignored: a name keeps its first help", {{"path", "x"}, {"code", "500"}})
      .Inc();
  registry.GetGauge("a_gauge", "A gauge").Set(-5);
  Histogram& histogram = registry.GetHistogram("c_seconds", "Latency", {{"route", "read"}}, {1, 0.1});
  for (double v : {0.05, 0.1, 0.5, 2.0}) histogram.Observe(v);
  registry.AddCallbackGauge("d_open", "Open connections", {}, [] { return 1.5; });
  registry.AddCallbackGauge("d_open", "", {{"kind", "nan"}}, [] { return std::nan(""); });
  registry.AddCallbackGauge("d_open", "", {{"kind", "inf"}},
                            [] { return -std::numeric_limits<double>::infinity(); });

  EXPECT_EQ(Rendered(registry),
            "# HELP a_gauge A gauge\n"
            "# TYPE a_gauge gauge\n"
            "a_gauge -5\n"
            "# HELP b_total Requests\\nwith \\\\ and \"quotes\"\n"
            "# TYPE b_total counter\n"
            "b_total{path=\"a\\\"b\\\\c\\nd\",code=\"200\"} 3\n"
            "b_total{path=\"x\",code=\"500\"} 1\n"
            "# HELP c_seconds Latency\n"
            "# TYPE c_seconds histogram\n"
            "c_seconds_bucket{route=\"read\",le=\"0.1\"} 2\n"
            "c_seconds_bucket{route=\"read\",le=\"1\"} 3\n"
            "c_seconds_bucket{route=\"read\",le=\"+Inf\"} 4\n"
            "c_seconds_sum{route=\"read\"} 2.65\n"
            "c_seconds_count{route=\"read\"} 4\n"
            "# HELP d_open Open connections\n"
            "# TYPE d_open gauge\n"
            "d_open 1.5\n"
            "d_open{kind=\"inf\"} -Inf\n"
            "d_open{kind=\"nan\"} NaN\n");
}

TEST(Registry, UnlabelledHistogramAndEmptyRegistry) {
  Registry registry;
  EXPECT_EQ(Rendered(registry), "");
  registry.GetHistogram("h", "H", {}, {0.5}).ObserveNanos(250'000'000);
  EXPECT_EQ(Rendered(registry),
            "# HELP h H\n# TYPE h histogram\n"
            "h_bucket{le=\"0.5\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 0.25\nh_count 1\n");
}

TEST(Registry, CallbackCountersRenderAsCounters) {
  Registry registry;
  uint64_t hits = 41;
  registry.AddCallbackCounter("e_total", "Lookups", {{"result", "hit"}}, [&hits] { return hits; });
  registry.AddCallbackCounter("e_total", "", {{"result", "miss"}}, [] { return 2.0; });
  ++hits;
  EXPECT_EQ(Rendered(registry),
            "# HELP e_total Lookups\n# TYPE e_total counter\n"
            "e_total{result=\"hit\"} 42\ne_total{result=\"miss\"} 2\n");
}

TEST(Registry, SameNameAndLabelsGiveTheSameMetric) {
  Registry registry;
  Counter& a = registry.GetCounter("c", "help", {{"k", "v"}});
  Counter& b = registry.GetCounter("c", "help", {{"k", "v"}});
  Counter& other = registry.GetCounter("c", "help", {{"k", "w"}});
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &other);
  EXPECT_EQ(&registry.GetHistogram("h", "help"), &registry.GetHistogram("h", "help"));
}

TEST(Registry, NameKeepsItsFirstKind) {
  Registry registry;
  registry.GetCounter("m", "counter first").Inc(2);
  registry.GetGauge("m", "then a gauge").Set(7);  // usable, but not exported under a counter family
  EXPECT_EQ(Rendered(registry), "# HELP m counter first\n# TYPE m counter\nm 2\n");
}

TEST(Histogram, BucketsAreLessOrEqualBounds) {
  Histogram histogram({0.5, 0.1, 0.1, std::numeric_limits<double>::infinity(), 1});
  EXPECT_EQ(histogram.bounds(), (std::vector<double>{0.1, 0.5, 1}));
  for (double v : {0.0, 0.1, 0.10001, 0.5, 1.0, 1.5, -1.0}) histogram.Observe(v);
  histogram.Observe(std::nan(""));
  std::vector<uint64_t> buckets;
  double sum = 0;
  uint64_t count = 0;
  histogram.Read(&buckets, &sum, &count);
  EXPECT_EQ(buckets, (std::vector<uint64_t>{3, 2, 1, 1}));
  EXPECT_EQ(count, 7u);
  EXPECT_DOUBLE_EQ(sum, 2.20001);
}

TEST(Histogram, LatencyBucketsSpan25MicrosTo10Seconds) {
  const std::vector<double> bounds = LatencyBuckets();
  EXPECT_DOUBLE_EQ(bounds.front(), 25e-6);
  EXPECT_DOUBLE_EQ(bounds.back(), 10);
  EXPECT_TRUE(std::is_sorted(bounds.begin(), bounds.end()));
}

TEST(Registry, ConcurrentUpdatesAndRegistrationsSumExactly) {
  Registry registry;
  constexpr int kThreads = 8, kIterations = 50'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&registry, t] {
      Counter& counter = registry.GetCounter("ops_total", "Ops");
      Histogram& histogram = registry.GetHistogram("op_seconds", "Op time", {}, {0.5});
      Gauge& gauge = registry.GetGauge("in_flight", "In flight", {{"thread", std::to_string(t % 2)}});
      for (int i = 0; i < kIterations; ++i) {
        counter.Inc();
        gauge.Add(1);
        histogram.Observe(i % 2 == 0 ? 0.25 : 0.75);
        if (i % 10'000 == 0) {
          std::string text;
          registry.Render(&text);
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(registry.GetCounter("ops_total", "Ops").value(), uint64_t{kThreads} * kIterations);
  EXPECT_EQ(registry.GetGauge("in_flight", "In flight", {{"thread", "0"}}).value(),
            kThreads / 2 * kIterations);
  const std::string text = Rendered(registry);
  EXPECT_NE(text.find("op_seconds_bucket{le=\"0.5\"} 200000\n"), std::string::npos) << text;
  EXPECT_NE(text.find("op_seconds_count 400000\n"), std::string::npos) << text;
  EXPECT_NE(text.find("op_seconds_sum 200000\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace ofs::metrics
