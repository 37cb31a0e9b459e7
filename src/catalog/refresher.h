#pragma once
// CatalogRefresher: keeps a Catalog current on a node whose metadata another process changes (`ofs serve`
// behind one `ofs admin`): a thread polls the metadata store's change counter every `period` and rebuilds
// the snapshot when it moved (Catalog::Refresh), and refreshes at once when a request names a group or
// version the snapshot lacks (Catalog::NoteMiss), at most once per `min_miss_interval`. While the
// metadata store is down the node keeps serving from its last snapshot, and State() says how stale it is.
// A request that must see what was committed before it arrived (serving/catalog_gate.h) waits for the next
// check to complete with AfterCheck.
// Thread-safety: every method may be called from any thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "catalog/catalog.h"

namespace ofs::catalog {

class CatalogRefresher final : public CatalogMissListener {
 public:
  struct Options {
    std::chrono::milliseconds period{1000};           // catalog.refresh_ms
    std::chrono::milliseconds min_miss_interval{20};  // catalog.miss_refresh_ms: checks asked for by misses
                                                      // and AfterCheck, at most this often
  };

  struct State {
    bool loaded = false;          // a snapshot was published at least once
    bool stale = false;           // the last check of the metadata store failed
    int64_t age_ms = -1;          // since the last successful check (-1: none yet)
    uint64_t refreshes = 0;       // successful checks (a rebuild or "unchanged")
    uint64_t rebuilds = 0;        // snapshots published
    uint64_t failures = 0;        // failed checks
    uint64_t miss_refreshes = 0;  // checks started by a miss
    Status last_error;            // of the last failed check (OK after a success)
  };

  // Registers itself as `catalog`'s miss listener; the thread starts with Start().
  CatalogRefresher(Catalog* catalog, Options options);
  ~CatalogRefresher() override;  // Stop()

  // Starts the polling thread. Its first check runs at once.
  void Start();
  // Stops and joins the thread (idempotent); unregisters the miss listener.
  void Stop();

  // Checks now, on the calling thread (the role's start-up load). Also records the result.
  Status RefreshNow();

  void OnCatalogMiss() override;
  State state() const;

  // How many checks have started so far (a check's position, counted from 1, is its start order).
  // Lock-free: every gated serving request reads it.
  uint64_t ChecksStarted() const;
  // Calls `done` once a check that started after the first `started` checks has completed, successful or
  // not: at once, on the calling thread, when one already has (or the refresher is stopped); else on the
  // refresher's thread after asking for a check as a miss does (min_miss_interval). `done` must not block.
  void AfterCheck(uint64_t started, std::function<void()> done);

 private:
  void Run();
  Status Check(bool miss);
  // Runs (outside mu_) the waiters whose check has completed; every one of them when `all`.
  void RunReadyWaiters(bool all);

  struct Waiter {
    uint64_t started;  // ready once a check numbered above it completed
    std::function<void()> done;
  };

  Catalog* const catalog_;
  const Options options_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;                                  // guarded by mu_
  bool miss_pending_ = false;                              // guarded by mu_
  std::chrono::steady_clock::time_point last_miss_check_;  // guarded by mu_
  std::chrono::steady_clock::time_point last_success_;     // guarded by mu_
  State state_;                                            // guarded by mu_ (age_ms computed on read)
  std::atomic<uint64_t> checks_started_{0};                // written under mu_; read without it
  uint64_t last_completed_ = 0;                            // guarded by mu_: number of the last check done
  std::vector<Waiter> waiters_;                            // guarded by mu_
  std::mutex check_mu_;                                    // one check at a time
  std::thread thread_;
};

}  // namespace ofs::catalog
