#include "catalog/refresher.h"

#include <algorithm>
#include <iterator>

#include "base/log.h"

namespace ofs::catalog {

CatalogRefresher::CatalogRefresher(Catalog* catalog, Options options) : catalog_(catalog), options_(options) {
  catalog_->SetMissListener(this);
}

CatalogRefresher::~CatalogRefresher() { Stop(); }

void CatalogRefresher::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Run(); });
}

void CatalogRefresher::Stop() {
  catalog_->SetMissListener(nullptr);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  RunReadyWaiters(/*all=*/true);  // nothing will check again: let them go on with what there is
}

uint64_t CatalogRefresher::ChecksStarted() const { return checks_started_.load(std::memory_order_acquire); }

void CatalogRefresher::AfterCheck(uint64_t started, std::function<void()> done) {
  {
    std::lock_guard lock(mu_);
    if (last_completed_ <= started && !stopping_) {
      waiters_.push_back(Waiter{started, std::move(done)});
      miss_pending_ = true;
      done = nullptr;
    }
  }
  if (done) {
    done();
    return;
  }
  wake_.notify_one();
}

void CatalogRefresher::RunReadyWaiters(bool all) {
  std::vector<Waiter> ready;
  {
    std::lock_guard lock(mu_);
    auto not_ready = [&](const Waiter& waiter) { return !all && waiter.started >= last_completed_; };
    auto split = std::stable_partition(waiters_.begin(), waiters_.end(), not_ready);
    ready.assign(std::make_move_iterator(split), std::make_move_iterator(waiters_.end()));
    waiters_.erase(split, waiters_.end());
  }
  for (Waiter& waiter : ready) waiter.done();
}

void CatalogRefresher::OnCatalogMiss() {
  {
    std::lock_guard lock(mu_);
    if (miss_pending_) return;
    miss_pending_ = true;
  }
  wake_.notify_one();
}

Status CatalogRefresher::RefreshNow() { return Check(/*miss=*/false); }

Status CatalogRefresher::Check(bool miss) {
  std::unique_lock check_lock(check_mu_);
  uint64_t number = 0;
  {
    std::lock_guard lock(mu_);
    number = checks_started_.load(std::memory_order_relaxed) + 1;
    checks_started_.store(number, std::memory_order_release);
  }
  const Catalog::RefreshOutcome outcome = catalog_->RefreshWithOutcome();
  std::unique_lock lock(mu_);
  last_completed_ = number;
  if (miss) ++state_.miss_refreshes;
  if (outcome.status.ok()) {
    if (state_.stale) OFS_LOG_INFO("catalog", "the metadata store answers again: the catalog is current");
    state_.stale = false;
    state_.loaded = true;
    ++state_.refreshes;
    if (outcome.rebuilt) ++state_.rebuilds;
    state_.last_error = Status::Ok();
    last_success_ = std::chrono::steady_clock::now();
  } else {
    if (!state_.stale) {
      OFS_LOG_WARN("catalog", "cannot refresh the catalog: {}; serving from the last snapshot",
                   outcome.status.ToString());
    }
    state_.stale = true;
    ++state_.failures;
    state_.last_error = outcome.status;
  }
  lock.unlock();
  check_lock.unlock();
  RunReadyWaiters(/*all=*/false);
  return outcome.status;
}

void CatalogRefresher::Run() {
  auto next_poll = std::chrono::steady_clock::now();
  for (;;) {
    bool miss = false;
    {
      std::unique_lock lock(mu_);
      for (;;) {
        if (stopping_) return;
        const auto now = std::chrono::steady_clock::now();
        if (miss_pending_ && now - last_miss_check_ >= options_.min_miss_interval) {
          miss = true;
          miss_pending_ = false;
          last_miss_check_ = now;
          break;
        }
        if (now >= next_poll) break;
        auto until = next_poll;
        if (miss_pending_) until = std::min(until, last_miss_check_ + options_.min_miss_interval);
        wake_.wait_until(lock, until);
      }
    }
    Check(miss).IgnoreError();  // recorded in the state
    next_poll = std::chrono::steady_clock::now() + options_.period;
  }
}

CatalogRefresher::State CatalogRefresher::state() const {
  std::lock_guard lock(mu_);
  State state = state_;
  if (state.loaded || state.refreshes > 0) {
    state.age_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                         last_success_)
                       .count();
  }
  return state;
}

}  // namespace ofs::catalog
