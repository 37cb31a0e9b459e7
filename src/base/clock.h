#pragma once
// Clock: the seam through which time enters OFS, so that TTL and expiry can be tested with a manual clock.
// Implementations are thread-safe.

#include <atomic>
#include <chrono>
#include <cstdint>

namespace ofs {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time since the Unix epoch.
  virtual int64_t NowMicros() const = 0;
  int64_t NowMillis() const { return NowMicros() / 1000; }
};

class SystemClock final : public Clock {
 public:
  int64_t NowMicros() const override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  // A process-wide instance (stateless, so sharing it is safe).
  static SystemClock* Default() {
    static SystemClock clock;
    return &clock;
  }
};

// A clock that moves only when told to (tests).
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_micros) : now_(start_micros) {}
  int64_t NowMicros() const override { return now_.load(std::memory_order_relaxed); }
  void AdvanceMicros(int64_t delta) { now_.fetch_add(delta, std::memory_order_relaxed); }
  void SetMicros(int64_t value) { now_.store(value, std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace ofs
