#include "storage/rocksdb/space_guard.h"

#include <algorithm>
#include <utility>

#include "base/fallback.h"
#include "base/log.h"

namespace ofs::storage::rocks {

// Every writable file RocksDB opens: reports what it appends and what it preallocates (RocksDB
// preallocates table files and WALs in blocks through PrepareWrite) to the guard.
class CountingFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  CountingFile(std::unique_ptr<rocksdb::FSWritableFile> file, SpaceGuard* guard)
      : FSWritableFileOwnerWrapper(std::move(file)), guard_(guard) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    Appending(data.size());
    return Appended(FSWritableFileOwnerWrapper::Append(data, options, dbg));
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo& info, rocksdb::IODebugContext* dbg) override {
    Appending(data.size());
    return Appended(FSWritableFileOwnerWrapper::Append(data, options, info, dbg));
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset,
                                     const rocksdb::IOOptions& options,
                                     rocksdb::IODebugContext* dbg) override {
    Appending(data.size());
    return Appended(FSWritableFileOwnerWrapper::PositionedAppend(data, offset, options, dbg));
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset,
                                     const rocksdb::IOOptions& options,
                                     const rocksdb::DataVerificationInfo& info,
                                     rocksdb::IODebugContext* dbg) override {
    Appending(data.size());
    return Appended(FSWritableFileOwnerWrapper::PositionedAppend(data, offset, options, info, dbg));
  }
  void PrepareWrite(size_t offset, size_t len, const rocksdb::IOOptions& options,
                    rocksdb::IODebugContext* dbg) override {
    size_t block = 0;
    size_t before = 0;
    target()->GetPreallocationStatus(&block, &before);
    FSWritableFileOwnerWrapper::PrepareWrite(offset, len, options, dbg);
    size_t after = 0;
    target()->GetPreallocationStatus(&block, &after);
    if (after > before) guard_->Wrote((after - before) * block);
  }

 protected:
  virtual void Appending(uint64_t bytes) { guard_->Wrote(bytes); }
  virtual rocksdb::IOStatus Appended(rocksdb::IOStatus status) { return status; }
  SpaceGuard* guard() const { return guard_; }

 private:
  SpaceGuard* const guard_;
};

// A WAL file: also tells the guard how much of its preallocated space is used.
class WalFile final : public CountingFile {
 public:
  using CountingFile::CountingFile;
  ~WalFile() override { guard()->OnWalGone(this); }

 protected:
  void Appending(uint64_t bytes) override {
    CountingFile::Appending(bytes);
    guard()->OnWalAppend(this, bytes);
  }
  rocksdb::IOStatus Appended(rocksdb::IOStatus status) override {
    if (!status.ok()) guard()->OnWalAppendFailed(status);
    return status;
  }
};

class GuardedFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  GuardedFileSystem(std::shared_ptr<rocksdb::FileSystem> base, SpaceGuard* guard)
      : FileSystemWrapper(std::move(base)), guard_(guard) {}

  const char* Name() const override { return "OfsSpaceGuardFileSystem"; }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus status = target()->NewWritableFile(name, options, result, dbg);
    return status.ok() ? Guard(name, result) : status;
  }
  rocksdb::IOStatus ReopenWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                       rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus status = target()->ReopenWritableFile(name, options, result, dbg);
    return status.ok() ? Guard(name, result) : status;
  }
  rocksdb::IOStatus ReuseWritableFile(const std::string& name, const std::string& old_name,
                                      const rocksdb::FileOptions& options,
                                      std::unique_ptr<rocksdb::FSWritableFile>* result,
                                      rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus status = target()->ReuseWritableFile(name, old_name, options, result, dbg);
    return status.ok() ? Guard(name, result) : status;
  }

 private:
  // RocksDB names its WAL files <number>.log (file/filename.cc).
  static bool IsWal(const std::string& name) { return name.ends_with(".log"); }

  rocksdb::IOStatus Guard(const std::string& name, std::unique_ptr<rocksdb::FSWritableFile>* result) {
    if (!IsWal(name)) {
      *result = std::make_unique<CountingFile>(std::move(*result), guard_);
      return rocksdb::IOStatus::OK();
    }
    auto wal = std::make_unique<WalFile>(std::move(*result), guard_);
    rocksdb::IOStatus status = guard_->OnNewWal(wal.get());
    if (!status.ok()) {
      wal.reset();
      target()->DeleteFile(name, rocksdb::IOOptions(), nullptr).PermitUncheckedError();
      return status;
    }
    *result = std::move(wal);
    return rocksdb::IOStatus::OK();
  }

  SpaceGuard* const guard_;
};

SpaceGuard::SpaceGuard(DiskReserve* reserve, uint64_t chunk_bytes)
    : reserve_(reserve), chunk_bytes_(std::max<uint64_t>(chunk_bytes, 64 << 10)) {}

std::shared_ptr<rocksdb::FileSystem> SpaceGuard::Wrap(std::shared_ptr<rocksdb::FileSystem> base) {
  if (base == nullptr) base = rocksdb::FileSystem::Default();
  return std::make_shared<GuardedFileSystem>(std::move(base), this);
}

Result<SpaceGuard::Reservation> SpaceGuard::ReserveWal(uint64_t bytes) {
  const uint64_t reserved = reserved_.fetch_add(bytes, std::memory_order_seq_cst) + bytes;
  Reservation reservation(this, bytes);
  if (!preallocate_.load(std::memory_order_relaxed)) return reservation;
  // size_ before end_: a new WAL sets end_ to 0 before it resets size_ (OnNewWal).
  if (size_.load(std::memory_order_seq_cst) + reserved <= end_.load(std::memory_order_seq_cst)) {
    return reservation;
  }
  std::lock_guard lock(mu_);
  if (current_.load(std::memory_order_relaxed) == nullptr || !preallocate_.load(std::memory_order_relaxed)) {
    return reservation;  // no WAL yet (its creation preallocates for this write) or nothing to do
  }
  const uint64_t needed = size_.load() + reserved_.load();
  const uint64_t end = end_.load();
  if (needed <= end) return reservation;
  std::string error;
  if (ExtendLocked(needed - end + chunk_bytes_, &error)) return reservation;
  if (!preallocate_.load(std::memory_order_relaxed)) return reservation;  // unsupported: the fallback
  if (reserve_ != nullptr) reserve_->NoteExhausted("the write-ahead log");
  return Result<Reservation>(ErrorCode::kStoreUnavailable,
                             "the disk is full: no space left for the write-ahead log, writes are refused",
                             "preallocating WAL space failed: " + error);
}

uint64_t SpaceGuard::WalHeadroom() const {
  std::lock_guard lock(mu_);
  const uint64_t size = size_.load();
  const uint64_t end = end_.load();
  return end > size ? end - size : 0;
}

rocksdb::IOStatus SpaceGuard::OnNewWal(WalFile* file) {
  std::lock_guard lock(mu_);
  WalFile* const previous = current_.load();
  const uint64_t previous_end = end_.load();
  const uint64_t previous_size = size_.load();
  // From here writers that check take the slow path (end_ 0) and wait for mu_.
  end_.store(0);
  size_.store(0);
  current_.store(file);
  if (!preallocate_.load(std::memory_order_relaxed)) return rocksdb::IOStatus::OK();
  // Every admitted write may land in this WAL: they reserved before reserved_ is read here, or they
  // check end_ after it is published below.
  const uint64_t required = reserved_.load();
  rocksdb::IOStatus status =
      file->target()->Allocate(0, required + chunk_bytes_, rocksdb::IOOptions(), nullptr);
  if (status.ok()) {
    Wrote(required + chunk_bytes_);
    end_.store(required + chunk_bytes_);
    return status;
  }
  if (!status.IsNoSpace()) {
    PreallocationUnsupported(status);
    return rocksdb::IOStatus::OK();
  }
  if (reserve_ != nullptr) reserve_->NoteExhausted("a new write-ahead log");
  // No room for a chunk. The writes already admitted must fit; later ones extend the WAL or are
  // refused (ReserveWal), so writes resume by themselves once space returns.
  if (required > 0) status = file->target()->Allocate(0, required, rocksdb::IOOptions(), nullptr);
  if (required == 0 || status.ok()) {
    Wrote(required);
    end_.store(required);
    return rocksdb::IOStatus::OK();
  }
  // Not even those fit: RocksDB gets a clean error instead of a WAL that fails an append (it stops
  // writes until a restart, a fatal background error in 7.8, but never aborts).
  current_.store(previous);
  size_.store(previous_size);
  end_.store(previous_end);
  return status;
}

void SpaceGuard::OnWalAppend(const WalFile* file, uint64_t bytes) {
  if (current_.load(std::memory_order_relaxed) == file) size_.fetch_add(bytes, std::memory_order_seq_cst);
}

void SpaceGuard::OnWalAppendFailed(const rocksdb::IOStatus& status) {
  if (wal_failed_.exchange(true, std::memory_order_acq_rel)) return;
  OFS_LOG_ERROR("storage", "a WAL append failed ({}): writes and WAL syncs stop until a restart",
                status.ToString());
  if (status.IsNoSpace() && reserve_ != nullptr) reserve_->NoteExhausted("the write-ahead log");
}

void SpaceGuard::OnWalGone(const WalFile* file) {
  std::lock_guard lock(mu_);
  if (current_.load() != file) return;
  end_.store(0);
  size_.store(0);
  current_.store(nullptr);
}

bool SpaceGuard::ExtendLocked(uint64_t len, std::string* error) {
  WalFile* file = current_.load();
  const uint64_t end = end_.load();
  const rocksdb::IOStatus status = file->target()->Allocate(end, len, rocksdb::IOOptions(), nullptr);
  if (status.ok()) {
    Wrote(len);
    end_.store(end + len);
    return true;
  }
  if (!status.IsNoSpace()) PreallocationUnsupported(status);
  *error = status.IsNoSpace() ? "no space left on the device" : "the file system refused";
  return false;
}

void SpaceGuard::PreallocationUnsupported(const rocksdb::IOStatus& status) {
  preallocate_.store(false, std::memory_order_relaxed);
  NoteFallback(Fallback::kWalPreallocation,
               "the file system cannot preallocate WAL space (" + status.ToString() +
                   "): WAL appends rely on the disk reserve alone, and ENOSPC on the WAL aborts RocksDB");
}

}  // namespace ofs::storage::rocks
