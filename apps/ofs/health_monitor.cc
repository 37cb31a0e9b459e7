#include "health_monitor.h"

#include <pthread.h>

#include <utility>

namespace ofs::app {

HealthMonitor::HealthMonitor(Options options, std::vector<Check> checks)
    : options_(options), checks_(std::move(checks)), checked_at_(Clock::now()) {}

HealthMonitor::~HealthMonitor() { Stop(); }

void HealthMonitor::Start() {
  RunRound();
  thread_ = std::thread([this] { Loop(); });
}

void HealthMonitor::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

HealthMonitor::State HealthMonitor::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  State state;
  state.age = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - checked_at_);
  state.checks = results_;
  state.warnings = warnings_;
  if (state.age <= options_.stale_after) {
    state.up = up_;
    state.failures = failures_;
    return state;
  }
  state.failures =
      "health: " +
      (running_.empty() ? std::string("no check completed") : "the " + running_ + " check has not answered") +
      " for " + std::to_string(state.age.count()) + " ms";
  return state;
}

void HealthMonitor::RunRound() {
  bool up = true;
  std::string failures;
  std::string warnings;
  std::vector<CheckResult> results;
  for (const Check& check : checks_) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      running_ = check.name;
    }
    const Clock::time_point started = Clock::now();
    Status status = check.run();
    CheckResult& result = results.emplace_back();
    result.name = check.name;
    result.critical = check.critical;
    result.ok = status.ok();
    result.latency = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started);
    if (status.ok()) continue;
    result.message = status.ToString();
    std::string& list = check.critical ? failures : warnings;
    if (check.critical) up = false;
    if (!list.empty()) list.push_back(';');
    list += check.name + ": " + result.message;
  }
  std::lock_guard<std::mutex> lock(mu_);
  running_.clear();
  up_ = up;
  failures_ = std::move(failures);
  warnings_ = std::move(warnings);
  results_ = std::move(results);
  checked_at_ = Clock::now();
}

void HealthMonitor::Loop() {
  pthread_setname_np(pthread_self(), "ofs-health");
  std::unique_lock<std::mutex> lock(mu_);
  while (!wake_.wait_for(lock, options_.poll, [this] { return stopping_; })) {
    lock.unlock();
    RunRound();
    lock.lock();
  }
}

}  // namespace ofs::app
