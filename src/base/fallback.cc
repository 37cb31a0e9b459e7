#include "base/fallback.h"

#include <array>
#include <atomic>

#include "base/log.h"

namespace ofs {
namespace {

constexpr std::array<std::string_view, static_cast<size_t>(Fallback::kCount_)> kNames = {
    "memtable_lookup_key", "memtable_skip_list",      "compression",       "huge_pages",
    "row_cache_unsized",   "row_cache_row_too_large", "wal_preallocation", "close_flush",
    "metadata_journal",    "uncompressed_response",
};

std::array<std::atomic<uint64_t>, static_cast<size_t>(Fallback::kCount_)>& Counts() {
  static std::array<std::atomic<uint64_t>, static_cast<size_t>(Fallback::kCount_)> counts{};
  return counts;
}

}  // namespace

std::string_view FallbackName(Fallback fallback) { return kNames[static_cast<size_t>(fallback)]; }

void NoteFallback(Fallback fallback, std::string_view detail) {
  if (Counts()[static_cast<size_t>(fallback)].fetch_add(1, std::memory_order_relaxed) == 0) {
    OFS_LOG_WARN("fallback", "degraded mode {}: {} (counted in ofs_fallbacks_total; logged once)",
                 FallbackName(fallback), detail);
  }
}

uint64_t FallbackCount(Fallback fallback) {
  return Counts()[static_cast<size_t>(fallback)].load(std::memory_order_relaxed);
}

}  // namespace ofs
