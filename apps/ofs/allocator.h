#pragma once
// The ofs binary's memory allocator (apps/ofs/README.md, "Memory allocator").

#include <string>

namespace ofs::app {

// One line for the startup log: which allocator serves malloc and, for jemalloc, its transparent huge
// page mode, e.g. "jemalloc 5.3.0-0-g54eaed1d8b56b1aa528be3bdd1877e59c56fa90c (thp: always)".
std::string AllocatorDescription();
// Why transparent huge pages are not in effect (huge_pages.h), or "" when they are.
std::string AllocatorHugePagesProblem();
// Turns transparent huge pages off for the whole process from now on (prctl PR_SET_THP_DISABLE: the
// kernel then ignores the allocator's MADV_HUGEPAGE); pages already huge stay so. Returns "" or the error.
std::string DisableHugePagesForProcess();

}  // namespace ofs::app
