#include "huge_pages.h"

namespace ofs::app {

std::string HugePagesProblem(std::string_view allocator_thp, std::string_view kernel_enabled) {
  if (allocator_thp.empty())
    return "the binary was built without jemalloc (a sanitizer build): no huge pages";
  if (allocator_thp != "always") {
    return "jemalloc runs with thp:" + std::string(allocator_thp) + " (MALLOC_CONF overrides thp:always)";
  }
  const size_t open = kernel_enabled.find('[');
  const size_t close = kernel_enabled.find(']', open);
  if (open == std::string_view::npos || close == std::string_view::npos) {
    return "the kernel offers no transparent huge pages (/sys/kernel/mm/transparent_hugepage/enabled "
           "unreadable)";
  }
  const std::string_view mode = kernel_enabled.substr(open + 1, close - open - 1);
  if (mode == "never") return "the kernel's transparent huge pages are off (mode [never])";
  return "";
}

}  // namespace ofs::app
