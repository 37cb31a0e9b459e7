#pragma once
// DiskReserve: the free space OFS keeps on the file system of its data directory, so that the work
// that accepted writes leave behind (memtable flushes, compactions, metadata commits) still fits once
// OFS stops accepting more, and no engine ever meets a full disk (RocksDB 7.8 as Debian builds it
// aborts on some write errors; storage/README.md, "Disk space").
//
// - A background thread polls the free space (statvfs: the space unprivileged users may fill) every
//   poll_interval. Between polls, Wrote() accounts for the bytes OFS writes (the RocksDB file-system
//   wrapper reports every append), so the estimate errs only towards less free space; what other
//   processes write is seen at the next poll.
// - Admits(bytes): whether `bytes` more may be written and still leave reserve_bytes free. Two relaxed
//   atomic loads and no system call: cheap enough for every write request.
// - Below the reserve the disk is "full": writes and metadata changes are refused (STORE-UNAVAILABLE
//   with the cause), Health() reports it, and every poll tells the listeners whether the disk is full,
//   so that a store opened read-only can reopen for writing once space returns. Nothing else is needed
//   for writes to resume: the next poll that sees room again admits them.
// Thread-safety: every method may be called from any thread. Listeners run on the poll thread, one at a
// time, and must not add or remove listeners.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "base/status.h"

namespace ofs {

class DiskReserve {
 public:
  // Bytes available at `path`'s file system.
  using FreeBytesFn = std::function<Result<uint64_t>(const std::string& path)>;

  struct Options {
    std::string path;  // a directory on the file system to watch (never shown in answers)
    uint64_t reserve_bytes = 0;
    // 0: no poll thread, Poll() is called by hand (tests).
    std::chrono::milliseconds poll_interval{250};
    FreeBytesFn free_bytes;  // null: statvfs(path), f_bavail * f_frsize
    std::string setting;     // the setting that sizes the reserve, named in causes
  };

  struct Stats {
    uint64_t free_bytes = 0;  // the current estimate (last poll, less what was written since)
    uint64_t reserve_bytes = 0;
    bool full = false;           // below the reserve
    uint64_t refused = 0;        // Admit calls refused
    uint64_t poll_failures = 0;  // polls whose statvfs failed (the last good estimate stays)
  };

  // Polls once before returning, so that Admits answers from the first call.
  explicit DiskReserve(Options options);
  // Stops the poll thread.
  ~DiskReserve();
  DiskReserve(const DiskReserve&) = delete;
  DiskReserve& operator=(const DiskReserve&) = delete;

  bool Admits(uint64_t bytes) const {
    return room_base_.load(std::memory_order_relaxed) - written_.load(std::memory_order_relaxed) >=
           static_cast<int64_t>(bytes);
  }
  // OK when Admits(bytes); else STORE-UNAVAILABLE saying the disk is almost full (counted in
  // Stats::refused). `what` names the refused operation ("write", "metadata change").
  Status Admit(uint64_t bytes, std::string_view what);
  // Accounts bytes written since the last poll.
  void Wrote(uint64_t bytes) { written_.fetch_add(static_cast<int64_t>(bytes), std::memory_order_relaxed); }
  // Space ran out where the estimate said there was some (a preallocation failed with ENOSPC): full
  // until the next poll measures again.
  void NoteExhausted(std::string_view what);
  // Measures the free space now and tells the listeners (the poll thread calls it every poll_interval).
  void Poll();

  // OK, or STORE-UNAVAILABLE with the free space and the reserve while the disk is full.
  Status Health() const;
  Stats GetStats() const;
  uint64_t reserve_bytes() const { return reserve_bytes_; }

  // `listener(full)` runs after every poll from now on, on the poll thread. Returns an id for
  // RemoveListener, which returns once no call of the listener is running.
  using Listener = std::function<void(bool full)>;
  uint64_t AddListener(Listener listener);
  void RemoveListener(uint64_t id);

 private:
  bool Full() const { return !Admits(1); }
  std::string Describe() const;
  void Run();

  const std::string path_;
  const uint64_t reserve_bytes_;
  const std::chrono::milliseconds poll_interval_;
  const FreeBytesFn free_bytes_;
  const std::string setting_;

  // room = room_base_ - written_: bytes that may still be written before the reserve is reached.
  std::atomic<int64_t> written_{0};    // everything Wrote() reported, ever
  std::atomic<int64_t> room_base_{0};  // free - reserve at the last poll, plus written_ when it started
  std::atomic<uint64_t> refused_{0};
  std::atomic<uint64_t> poll_failures_{0};
  std::atomic<bool> was_full_{false};  // the last poll's verdict, for logging the changes

  std::mutex listeners_mu_;  // held while listeners run
  std::vector<std::pair<uint64_t, Listener>> listeners_;
  uint64_t next_listener_ = 1;

  std::mutex run_mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by run_mu_
  std::thread thread_;     // last: starts after the members it uses
};

}  // namespace ofs
