#include "allocator.h"

#ifdef OFS_WITH_JEMALLOC
#include <jemalloc/jemalloc.h>

// jemalloc reads this at its first allocation, before main(); MALLOC_CONF in the environment overrides it
// (MALLOC_CONF=thp:never turns huge pages off, thp:default leaves the kernel's default). `thp:always` asks
// the kernel for transparent huge pages on all of jemalloc's memory (madvise(MADV_HUGEPAGE); it is a no-op
// when the kernel's THP mode is "never"). Why: a point read touches a random row cache slot and entry among
// hundreds of MiB, and with 4 KiB pages both accesses also miss the TLB (a two-dimensional page walk on a
// VM). With huge pages RowCache::Read went from 8.5% to 5.6% of the S1 server core (docs/benchmarks.md,
// History).
extern "C" {
// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables): jemalloc's documented hook
const char* malloc_conf = "thp:always,metadata_thp:auto";
}
#endif

#include <sys/prctl.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "huge_pages.h"

namespace ofs::app {

std::string AllocatorDescription() {
#ifdef OFS_WITH_JEMALLOC
  const char* version = nullptr;
  const char* thp = nullptr;
  size_t size = sizeof(const char*);
  if (mallctl("version", &version, &size, nullptr, 0) != 0) version = "?";
  size = sizeof(const char*);
  if (mallctl("opt.thp", &thp, &size, nullptr, 0) != 0) thp = "?";
  return std::string("jemalloc ") + version + " (thp: " + thp + ")";
#else
  return "the C library's malloc";
#endif
}

std::string AllocatorHugePagesProblem() {
  std::string allocator_thp;
#ifdef OFS_WITH_JEMALLOC
  const char* thp = nullptr;
  size_t size = sizeof(const char*);
  allocator_thp = mallctl("opt.thp", &thp, &size, nullptr, 0) == 0 && thp != nullptr ? thp : "?";
#endif
  std::ostringstream kernel;
  kernel << std::ifstream("/sys/kernel/mm/transparent_hugepage/enabled").rdbuf();
  return HugePagesProblem(allocator_thp, kernel.str());
}

std::string DisableHugePagesForProcess() {
  if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) != 0)
    return std::string("prctl(PR_SET_THP_DISABLE): ") + std::strerror(errno);
  return "";
}

}  // namespace ofs::app
