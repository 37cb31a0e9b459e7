#include "huge_pages.h"

#include <gtest/gtest.h>

namespace ofs::app {
namespace {

TEST(HugePagesTest, InEffectWithJemallocAlwaysAndAKernelThatAllowsThem) {
  EXPECT_EQ(HugePagesProblem("always", "always [madvise] never\n"), "");
  EXPECT_EQ(HugePagesProblem("always", "[always] madvise never\n"), "");
}

TEST(HugePagesTest, EveryWeakerPathIsNamed) {
  EXPECT_NE(HugePagesProblem("always", "always madvise [never]\n").find("[never]"), std::string::npos);
  EXPECT_NE(HugePagesProblem("always", "").find("unreadable"), std::string::npos);
  EXPECT_NE(HugePagesProblem("default", "always [madvise] never").find("thp:default"), std::string::npos);
  EXPECT_NE(HugePagesProblem("", "[always] madvise never").find("without jemalloc"), std::string::npos);
}

}  // namespace
}  // namespace ofs::app
