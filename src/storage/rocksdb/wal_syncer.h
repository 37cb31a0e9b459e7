#pragma once
// WalSyncer: group commit across callers. Writes are applied without waiting for the disk (RocksDB
// WriteOptions::sync = false: the WAL record is written to the OS, not fsynced); a caller whose writes
// have completed asks AfterSync(done), and one background thread fsyncs the WAL once for everyone who
// asked since its last sync, then completes them all with that sync's status.
//
// Contract: a sync starts only after every waiter it completes was queued, so done(OK) means every
// write that completed before the AfterSync call is on disk. Completions run on the syncer's thread
// (keep them short: post, do not work). With one serving thread, N requests waiting for the disk share
// one fsync instead of paying N in a row.
// A failed sync is final: every later waiter gets its error without another sync (after a failed fsync
// Linux may drop the dirty pages, so a later fsync that succeeds proves nothing about earlier writes;
// RocksDB 7.8's SyncWAL does not stop writes on such a failure). Health() reports it; a restart, which
// replays the WAL from disk, clears it.
// A caller that serves many requests in a batch (an event loop) may queue its waiters deferred
// (AfterSync(done, SyncStart::kAtStartSyncs)) and call StartSyncs() once at the end of the batch: one
// fsync then covers the whole batch, where starting at once would cover the one or two requests handled
// while the previous fsync ran. Without a StartSyncs(), deferred waiters are synced once `max_hold` has
// passed since the first of them was queued (or when the sync running then ends, if later), so a missing
// call costs latency, never a lost completion.
// Thread-safety: AfterSync and StartSyncs may be called concurrently from any thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "base/status.h"
#include "storage/online_store.h"

namespace ofs::storage::rocks {

class WalSyncer {
 public:
  struct Stats {
    uint64_t syncs = 0;    // fsyncs run
    uint64_t waiters = 0;  // completions they served (waiters / syncs = the mean group size)
    // Syncs started because deferred waiters waited max_hold, not by StartSyncs(): a batch ran that long,
    // or nothing calls StartSyncs() (a wiring bug).
    uint64_t max_hold_syncs = 0;
  };

  static constexpr std::chrono::milliseconds kDefaultMaxHold{5};

  // `sync` makes every write completed before it durable (DB::SyncWAL); called on the syncer thread.
  explicit WalSyncer(std::function<Status()> sync, std::chrono::microseconds max_hold = kDefaultMaxHold);
  // Serves what is queued (one last sync), then joins.
  ~WalSyncer();
  WalSyncer(const WalSyncer&) = delete;
  WalSyncer& operator=(const WalSyncer&) = delete;

  void AfterSync(Completion done, SyncStart start = SyncStart::kNow);
  // Starts a sync for the waiters queued with SyncStart::kAtStartSyncs, if any. Cheap when there are none
  // (one atomic load): an event loop calls it after every batch.
  void StartSyncs();
  Stats GetStats() const;
  // OK, or the error of the sync that failed.
  Status Health() const;

 private:
  void Run();

  const std::function<Status()> sync_;
  const std::chrono::microseconds max_hold_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::vector<Completion> waiting_;
  bool start_requested_ = false;  // a waiter asked for a sync now, or StartSyncs() was called
  std::chrono::steady_clock::time_point first_deferred_at_;  // valid while deferred_ is set
  std::atomic<bool> deferred_{false};  // waiters queued with kAtStartSyncs wait for StartSyncs()
  bool stopping_ = false;
  Status failed_;  // the first failed sync's error, kept
  Stats stats_;
  std::thread thread_;  // last: starts after the members it uses
};

}  // namespace ofs::storage::rocks
