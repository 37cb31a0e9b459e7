#pragma once
// The benchmark dataset (PERFORMANCE.md, "What we measure"), shared by the load generator and the
// storage-limit tool so that both address the same rows:
// - main entity `bench_user`, key `id` BIGINT in [0, entities); group `bench_fg` of F features named
//   f0..f{F-1} whose types cycle through kFeatureTypes (INT, BIGINT, DOUBLE, FLOAT, TEXT of 16-32
//   chars, BOOLEAN);
// - partition entity `bench_part`, key (`pid` BIGINT partition key, `seq` INT clustering column);
//   group `bench_part_fg` with the same features. Partition p holds part_rows rows when
//   p % big_every == 0 (the "big" partitions, 1% by default) and 1 row otherwise.
// Values are a pure function of (seed, pool slot, column), so every run writes the same data.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>

namespace ofs::bench {

inline constexpr const char* kEntity = "bench_user";
inline constexpr const char* kGroup = "bench_fg";
inline constexpr const char* kKeyColumn = "id";
inline constexpr const char* kPartEntity = "bench_part";
inline constexpr const char* kPartGroup = "bench_part_fg";
inline constexpr const char* kPartKeyColumn = "pid";
inline constexpr const char* kClusterColumn = "seq";

// Ten types per cycle: two each of BIGINT, DOUBLE, FLOAT and TEXT, one INT, one BOOLEAN.
inline constexpr const char* kFeatureTypes[] = {"INT",     "BIGINT", "DOUBLE", "FLOAT", "TEXT",
                                                "BOOLEAN", "DOUBLE", "FLOAT",  "TEXT",  "BIGINT"};
inline constexpr size_t kFeatureTypeCount = sizeof(kFeatureTypes) / sizeof(kFeatureTypes[0]);

inline const char* FeatureType(size_t column) { return kFeatureTypes[column % kFeatureTypeCount]; }
inline std::string FeatureName(size_t column) { return "f" + std::to_string(column); }

inline uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Small fast generator (xoshiro256**), seeded through SplitMix64.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (auto& s : s_) s = seed = SplitMix64(seed);
  }
  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  uint64_t Below(uint64_t n) { return n == 0 ? 0 : Next() % n; }
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }  // [0, 1)

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// Zipf-distributed ranks in [1, n] with exponent s > 0: rejection-inversion sampling (Hörmann and
// Derflinger 1996, as in Apache Commons RNG), O(1) per sample and no table, so n may be large.
class ZipfSampler {
 public:
  ZipfSampler(uint64_t n, double exponent) : n_(static_cast<double>(n)), e_(exponent) {
    h_x1_ = HIntegral(1.5) - 1.0;
    h_n_ = HIntegral(n_ + 0.5);
    s_ = 2.0 - HIntegralInverse(HIntegral(2.5) - H(2.0));
  }
  uint64_t Sample(Rng& rng) const {
    for (;;) {
      const double u = h_n_ + rng.Unit() * (h_x1_ - h_n_);
      const double x = HIntegralInverse(u);
      double k = std::floor(x + 0.5);
      if (k < 1) k = 1;
      if (k > n_) k = n_;
      if (k - x <= s_ || u >= HIntegral(k + 0.5) - H(k)) return static_cast<uint64_t>(k);
    }
  }

 private:
  double HIntegral(double x) const {
    const double log_x = std::log(x);
    return Helper2((1.0 - e_) * log_x) * log_x;
  }
  double H(double x) const { return std::exp(-e_ * std::log(x)); }
  double HIntegralInverse(double x) const {
    double t = x * (1.0 - e_);
    if (t < -1.0) t = -1.0;
    return std::exp(Helper1(t) * x);
  }
  static double Helper1(double x) {
    return std::abs(x) > 1e-8 ? std::log1p(x) / x : 1.0 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x));
  }
  static double Helper2(double x) {
    return std::abs(x) > 1e-8 ? std::expm1(x) / x : 1.0 + x * 0.5 * (1.0 + x / 3.0 * (1.0 + 0.25 * x));
  }
  double n_, e_, h_x1_, h_n_, s_;
};

// Picks keys in [0, n): uniform, or Zipf-ranked (exponent > 0) with ranks scattered over the key space
// by a multiplicative bijection so that the hot keys are not neighbours on disk.
class KeyPicker {
 public:
  KeyPicker(uint64_t n, double zipf_exponent) : n_(n == 0 ? 1 : n) {
    if (zipf_exponent > 0) {
      zipf_ = std::make_unique<ZipfSampler>(n_, zipf_exponent);
      multiplier_ = 2654435761ull % n_;
      while (multiplier_ == 0 || Gcd(multiplier_, n_) != 1) ++multiplier_;
    }
  }
  uint64_t Pick(Rng& rng) const {
    if (!zipf_) return rng.Below(n_);
    const uint64_t rank = zipf_->Sample(rng) - 1;  // 0 = hottest
    return static_cast<uint64_t>(static_cast<U128>(rank) * multiplier_ % n_);
  }

 private:
  __extension__ typedef unsigned __int128 U128;  // GCC/Clang builtin; __extension__ keeps -Wpedantic quiet
  static uint64_t Gcd(uint64_t a, uint64_t b) {
    while (b) {
      const uint64_t t = a % b;
      a = b;
      b = t;
    }
    return a;
  }
  uint64_t n_;
  uint64_t multiplier_ = 1;
  std::unique_ptr<ZipfSampler> zipf_;
};

// Appends one random value of `type` as JSON (the dataset's values; the load generator's rows and
// ofs_kafka_ingest's records): INT and BIGINT (within +-2^53, exact in any JSON client) in their range,
// DOUBLE in [0, 1000), FLOAT in [0, 100), BOOLEAN, TEXT of 16-32 alphanumeric characters (quoted).
inline void AppendFeatureValue(std::string_view type, Rng& rng, std::string* out) {
  char buf[64];
  if (type == "INT") {
    auto v = static_cast<int32_t>(static_cast<uint32_t>(rng.Next()));
    out->append(buf, static_cast<size_t>(std::to_chars(buf, buf + sizeof buf, v).ptr - buf));
  } else if (type == "BIGINT") {
    auto v = static_cast<int64_t>(rng.Next() >> 11);
    out->append(buf, static_cast<size_t>(std::to_chars(buf, buf + sizeof buf, v).ptr - buf));
  } else if (type == "DOUBLE") {
    double v = rng.Unit() * 1000.0;
    out->append(buf, static_cast<size_t>(std::to_chars(buf, buf + sizeof buf, v).ptr - buf));
  } else if (type == "FLOAT") {
    auto v = static_cast<float>(rng.Unit() * 100.0);
    out->append(buf, static_cast<size_t>(std::to_chars(buf, buf + sizeof buf, v).ptr - buf));
  } else if (type == "BOOLEAN") {
    out->append((rng.Next() & 1) ? "true" : "false");
  } else {  // TEXT: 16-32 alphanumeric characters
    static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    const size_t length = 16 + rng.Below(17);
    out->push_back('"');
    for (size_t i = 0; i < length; ++i) out->push_back(kAlphabet[rng.Below(sizeof(kAlphabet) - 1)]);
    out->push_back('"');
  }
}

struct DatasetShape {
  uint64_t entities = 1'000'000;
  size_t features = 10;
  uint64_t partitions = 0;  // 0 = derived: max(entities / 10, 1000)
  uint64_t part_rows = 100;
  uint64_t big_every = 100;
  uint64_t seed = 42;

  uint64_t Partitions() const { return partitions ? partitions : std::max<uint64_t>(entities / 10, 1000); }
  uint64_t BigPartitions() const { return (Partitions() + big_every - 1) / big_every; }
  uint64_t RowsIn(uint64_t partition) const { return partition % big_every == 0 ? part_rows : 1; }
  uint64_t PartitionRows() const {
    const uint64_t big = BigPartitions();
    return big * part_rows + (Partitions() - big);
  }
};

}  // namespace ofs::bench
