#pragma once
// SpaceGuard: keeps RocksDB from meeting a full disk where it cannot survive one (storage/README.md,
// "Disk space").
//
// RocksDB 7.8 as Debian builds it (assertions on) survives ENOSPC on table files and the MANIFEST: the
// flush or compaction fails, writes stop, and its SstFileManager resumes them once space returns. It
// does not survive ENOSPC on the WAL: the failed append leaves the WAL's writer in an error state, and
// the next SyncWAL, or the next write after a recovery that had no memtable to flush, aborts the process
// (WritableFileWriter::AssertFalseAndGetStatusForPrevError). So every WAL byte must land in space that
// was preallocated before the write entered RocksDB:
//   - a new WAL is preallocated (fallocate, keeping the file size) when RocksDB creates it, with room
//     for every write admitted at that moment and a chunk more; without room for the chunk it gets just
//     the admitted writes' room (later writes extend it or are refused); without room even for those
//     the file is not created and RocksDB gets a clean error (7.8 treats a failed WAL creation as
//     fatal: writes stop until a restart, but the process does not abort);
//   - ReserveWal(bytes), called before each write enters RocksDB, makes sure that the write fits into
//     the current WAL's preallocated space together with every other admitted write, extending the
//     preallocation (one fallocate per chunk, rarely) when it does not; a write that gets no space is
//     refused (STORE-UNAVAILABLE) before RocksDB sees it.
// The file system wrapper also reports every byte RocksDB appends or preallocates, in any file, to the
// DiskReserve (its estimate between two polls).
// If the file system cannot preallocate (fallocate unsupported), WAL appends are not guaranteed room:
// counted and logged once as the wal_preallocation fallback; the DiskReserve still applies.
// Thread-safety: every method may be called concurrently; RocksDB calls the file system from any thread.

#include <rocksdb/file_system.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "base/disk_reserve.h"
#include "base/status.h"

namespace ofs::storage::rocks {

class CountingFile;
class WalFile;

class SpaceGuard {
 public:
  // `reserve` may be null (no reserve; WAL preallocation still applies); not owned, outlives the guard.
  // `chunk_bytes`: how much WAL space one preallocation adds beyond what is needed.
  SpaceGuard(DiskReserve* reserve, uint64_t chunk_bytes);
  SpaceGuard(const SpaceGuard&) = delete;
  SpaceGuard& operator=(const SpaceGuard&) = delete;

  // Space in the current WAL for a write of `bytes` (its WAL record, headers included), held until the
  // returned reservation is destroyed (after DB::Write returned). STORE-UNAVAILABLE when the disk has
  // no room left for it.
  class Reservation {
   public:
    Reservation() = default;
    Reservation(SpaceGuard* guard, uint64_t bytes) : guard_(guard), bytes_(bytes) {}
    Reservation(Reservation&& other) noexcept : guard_(other.guard_), bytes_(other.bytes_) {
      other.guard_ = nullptr;
    }
    Reservation& operator=(Reservation&&) = delete;
    ~Reservation() {
      if (guard_ != nullptr) guard_->reserved_.fetch_sub(bytes_, std::memory_order_seq_cst);
    }

   private:
    SpaceGuard* guard_ = nullptr;
    uint64_t bytes_ = 0;
  };
  Result<Reservation> ReserveWal(uint64_t bytes);

  // The bytes a write batch of `data_bytes` takes in the WAL at most: its record and the WAL's framing
  // (a 7-byte header per 32 KiB block, a block's unused tail).
  static uint64_t WalBytes(uint64_t data_bytes) { return data_bytes + (data_bytes / 32768 + 2) * 32; }

  // The file system RocksDB should use: `base` (FileSystem::Default() when null) wrapped so that this
  // guard sees every writable file.
  std::shared_ptr<rocksdb::FileSystem> Wrap(std::shared_ptr<rocksdb::FileSystem> base);

  // Test and diagnostics: the current WAL's preallocated bytes beyond what was written to it.
  uint64_t WalHeadroom() const;

  // True once an append to a WAL failed (only reachable when preallocation was bypassed: unsupported by
  // the file system, or a file system error other than ENOSPC). From then on RocksDB's WAL writer is in
  // an error state in which a SyncWAL or a further append aborts the process, so the store syncs and
  // writes no more until a restart (it replays the WAL from disk).
  bool wal_failed() const { return wal_failed_.load(std::memory_order_acquire); }

 private:
  friend class CountingFile;
  friend class WalFile;
  friend class GuardedFileSystem;

  void Wrote(uint64_t bytes) {
    if (reserve_ != nullptr) reserve_->Wrote(bytes);
  }
  // A new WAL: becomes the current one once `file`'s first preallocation succeeded.
  rocksdb::IOStatus OnNewWal(WalFile* file);
  void OnWalAppend(const WalFile* file, uint64_t bytes);
  void OnWalAppendFailed(const rocksdb::IOStatus& status);
  void OnWalGone(const WalFile* file);
  // mu_ held: preallocates `len` more bytes of the current WAL. False when it could not.
  bool ExtendLocked(uint64_t len, std::string* error);
  void PreallocationUnsupported(const rocksdb::IOStatus& status);

  DiskReserve* const reserve_;
  const uint64_t chunk_bytes_;
  std::atomic<bool> preallocate_{true};  // false once the file system refused to (the fallback)
  std::atomic<bool> wal_failed_{false};

  // The current WAL's numbers: a write fits while size_ + reserved_ <= end_. Writers read them without
  // the lock (fast path); they change under mu_, end_ first, so that a writer never pairs a new size with
  // an old end.
  mutable std::mutex mu_;
  std::atomic<WalFile*> current_{nullptr};
  std::atomic<uint64_t> end_{0};       // preallocated bytes of the current WAL
  std::atomic<uint64_t> size_{0};      // bytes appended to the current WAL
  std::atomic<uint64_t> reserved_{0};  // bytes of admitted writes not yet returned from DB::Write
};

}  // namespace ofs::storage::rocks
