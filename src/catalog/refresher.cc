#include "catalog/refresher.h"

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
  std::lock_guard check_lock(check_mu_);
  const Catalog::RefreshOutcome outcome = catalog_->RefreshWithOutcome();
  std::lock_guard lock(mu_);
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
