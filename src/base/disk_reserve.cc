#include "base/disk_reserve.h"

#include <pthread.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>

#include "base/log.h"

namespace ofs {
namespace {

Result<uint64_t> StatvfsFreeBytes(const std::string& path) {
  struct statvfs fs {};
  if (statvfs(path.c_str(), &fs) != 0) {
    return Result<uint64_t>(ErrorCode::kStoreUnavailable, "cannot read the data directory's free space",
                            std::strerror(errno));
  }
  return static_cast<uint64_t>(fs.f_bavail) * static_cast<uint64_t>(fs.f_frsize);
}

std::string Mib(int64_t bytes) {
  return std::to_string(bytes < 0 ? 0 : bytes / (1 << 20)) + " MiB (" +
         std::to_string(bytes < 0 ? 0 : bytes) + " bytes)";
}

}  // namespace

DiskReserve::DiskReserve(Options options)
    : path_(std::move(options.path)),
      reserve_bytes_(options.reserve_bytes),
      poll_interval_(options.poll_interval),
      free_bytes_(options.free_bytes ? std::move(options.free_bytes) : FreeBytesFn(StatvfsFreeBytes)),
      setting_(options.setting.empty() ? std::string("the disk reserve") : std::move(options.setting)) {
  Poll();
  if (poll_interval_.count() > 0) thread_ = std::thread([this] { Run(); });
}

DiskReserve::~DiskReserve() {
  {
    std::lock_guard lock(run_mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

Status DiskReserve::Admit(uint64_t bytes, std::string_view what) {
  if (Admits(bytes)) return Status::Ok();
  refused_.fetch_add(1, std::memory_order_relaxed);
  return Status(
      ErrorCode::kStoreUnavailable,
      "the disk is almost full: " + std::string(what) +
          " refused until free space on the data directory's file system rises above the reserve",
      Describe() + "; this " + std::string(what) + " needs about " + std::to_string(bytes) + " bytes");
}

void DiskReserve::NoteExhausted(std::string_view what) {
  room_base_.store(written_.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
  if (!was_full_.exchange(true)) {
    OFS_LOG_WARN("disk",
                 "no space left for {} on the data directory's file system ({}): writes and "
                 "metadata changes are refused until a poll finds free space above the reserve",
                 what, path_);
  }
}

void DiskReserve::Poll() {
  const int64_t written_before = written_.load(std::memory_order_relaxed);
  const Result<uint64_t> free = free_bytes_(path_);
  if (!free.ok()) {
    poll_failures_.fetch_add(1, std::memory_order_relaxed);
    OFS_LOG_EVERY_N_SEC(60, OFS_LOG_ERROR, "disk", "free space of {} unknown, keeping the last estimate: {}",
                        path_, free.status().ToString());
  } else {
    room_base_.store(static_cast<int64_t>(*free) - static_cast<int64_t>(reserve_bytes_) + written_before,
                     std::memory_order_relaxed);
  }
  const bool full = Full();
  if (full != was_full_.exchange(full)) {
    if (full) {
      OFS_LOG_WARN("disk", "free space on {} fell below {}: writes and metadata changes are refused ({})",
                   path_, setting_, Describe());
    } else {
      OFS_LOG_INFO("disk", "free space on {} is above {} again: writes and metadata changes resume ({})",
                   path_, setting_, Describe());
    }
  }
  std::lock_guard lock(listeners_mu_);
  for (const auto& [id, listener] : listeners_) listener(full);
}

Status DiskReserve::Health() const {
  if (!Full()) return Status::Ok();
  return Status(ErrorCode::kStoreUnavailable,
                "the disk is almost full: writes and metadata changes are refused", Describe());
}

DiskReserve::Stats DiskReserve::GetStats() const {
  Stats stats;
  const int64_t room = room_base_.load(std::memory_order_relaxed) - written_.load(std::memory_order_relaxed);
  const int64_t free = room + static_cast<int64_t>(reserve_bytes_);
  stats.free_bytes = free > 0 ? static_cast<uint64_t>(free) : 0;
  stats.reserve_bytes = reserve_bytes_;
  stats.full = room < 1;
  stats.refused = refused_.load(std::memory_order_relaxed);
  stats.poll_failures = poll_failures_.load(std::memory_order_relaxed);
  return stats;
}

uint64_t DiskReserve::AddListener(Listener listener) {
  std::lock_guard lock(listeners_mu_);
  listeners_.emplace_back(next_listener_, std::move(listener));
  return next_listener_++;
}

void DiskReserve::RemoveListener(uint64_t id) {
  std::lock_guard lock(listeners_mu_);
  std::erase_if(listeners_, [id](const auto& entry) { return entry.first == id; });
}

std::string DiskReserve::Describe() const {
  const int64_t room = room_base_.load(std::memory_order_relaxed) - written_.load(std::memory_order_relaxed);
  return Mib(room + static_cast<int64_t>(reserve_bytes_)) + " free on the data directory's file system, " +
         setting_ + " keeps " + Mib(static_cast<int64_t>(reserve_bytes_)) + " free";
}

void DiskReserve::Run() {
  pthread_setname_np(pthread_self(), "ofs-disk");
  std::unique_lock lock(run_mu_);
  while (!wake_.wait_for(lock, poll_interval_, [this] { return stopping_; })) {
    lock.unlock();
    Poll();
    lock.lock();
  }
}

}  // namespace ofs
