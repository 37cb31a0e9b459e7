#pragma once
// HealthMonitor: the process's health, checked off the event loops. A thread of its own runs every
// check each poll interval and keeps the outcome; GET /health answers from it at once, so that a check
// that blocks (a remote engine's round trip, one that hangs) never holds an event loop. A round of
// checks that has not completed for `stale_after` makes the state DOWN on its own, naming the check it
// waits for: a hung store still turns /health DOWN.
// Lifecycle: Start() runs the checks once on the calling thread (the state is known before the servers
// start), then starts the thread; Stop() (or the destructor) joins it, waiting for a round in progress.
// Threading: Current() from any thread, cheap (one mutex, no check run); checks run on the monitor's
// thread (on the caller's in Start) and must be safe there.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"

namespace ofs::app {

class HealthMonitor {
 public:
  struct Check {
    std::string name;  // e.g. "store"; prefixes its failure in State::failures
    std::function<Status()> run;
    // A failing critical check makes the process DOWN; a failing non-critical one (a dependency the role
    // can serve without for a while, e.g. a serve node's metadata store) is reported as a warning only.
    bool critical = true;
  };
  // The outcome of one check in the last completed round.
  struct CheckResult {
    std::string name;
    bool ok = false;
    bool critical = true;
    std::string message;  // Status::ToString() of a failure; "" when ok
    std::chrono::microseconds latency{0};
  };
  struct Options {
    std::chrono::milliseconds poll{1'000};
    std::chrono::milliseconds stale_after{10'000};
  };
  struct State {
    bool up = false;
    // The failing critical checks, "<name>: <Status::ToString()>" joined by ';' (empty when up).
    std::string failures;
    // The failing non-critical checks, the same way (they leave the state UP).
    std::string warnings;
    std::vector<CheckResult> checks;   // every check of the last completed round, in order
    std::chrono::milliseconds age{0};  // since the last round of checks completed
  };

  HealthMonitor(Options options, std::vector<Check> checks);
  ~HealthMonitor();
  HealthMonitor(const HealthMonitor&) = delete;
  HealthMonitor& operator=(const HealthMonitor&) = delete;

  void Start();
  void Stop();  // idempotent
  State Current() const;

 private:
  using Clock = std::chrono::steady_clock;
  void RunRound();
  void Loop();

  const Options options_;
  const std::vector<Check> checks_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;                 // guarded by mu_
  bool up_ = false;                       // guarded by mu_: the last completed round
  std::string failures_ = "not checked";  // guarded by mu_
  std::string warnings_;                  // guarded by mu_
  std::vector<CheckResult> results_;      // guarded by mu_
  Clock::time_point checked_at_;          // guarded by mu_
  std::string running_;                   // guarded by mu_: the check in progress, "" between checks
  std::thread thread_;
};

}  // namespace ofs::app
