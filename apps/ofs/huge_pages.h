#pragma once
// Whether transparent huge pages back the allocator's memory (apps/ofs/README.md, "Memory allocator").
// Without them the row cache's random accesses also miss the TLB: a degraded mode (the huge_pages
// fallback, base/fallback.h), counted and logged once at start.

#include <string>
#include <string_view>

namespace ofs::app {

// Why huge pages are not in effect, or "" when they are. `allocator_thp`: jemalloc's opt.thp ("always"
// is what allocator.cc asks for; "" = not jemalloc); `kernel_enabled`: the contents of
// /sys/kernel/mm/transparent_hugepage/enabled ("always [madvise] never"; "" = unreadable).
std::string HugePagesProblem(std::string_view allocator_thp, std::string_view kernel_enabled);

}  // namespace ofs::app
